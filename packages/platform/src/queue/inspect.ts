/** How many jobs of one name are in one state: what the queue-depth gauge shows. */
export interface QueueDepth {
  job: string;
  state: 'waiting' | 'delayed' | 'active' | 'failed';
  count: number;
}

/** A queue whose depth can be read (PostgresQueue, BullMqQueue): sampled when /metrics is scraped. */
export interface QueueInspector {
  depth(names: readonly string[]): Promise<QueueDepth[]>;
}

/** A given-up job as the operator sees it: no payload, only where it is and why it died. */
export interface DeadLetter {
  job: string;
  id: string;
  attempts: number;
  /** The class of its last error (SyntaxError, JobLostError, …): never the message, which may name paths. */
  errorClass: string;
  failedAt: Date;
}

/** The dead-letter list of a queue: listed, retried (all tries anew) or dropped, one job at a time. */
export interface DeadLetters {
  listDead(names: readonly string[], limit?: number): Promise<DeadLetter[]>;
  /** False when no dead job of that name has that id. */
  retryDead(name: string, id: string): Promise<boolean>;
  dropDead(name: string, id: string): Promise<boolean>;
}

export const hasDepth = (queue: object): queue is QueueInspector =>
  typeof (queue as Partial<QueueInspector>).depth === 'function';

export const hasDeadLetters = (queue: object): queue is DeadLetters =>
  typeof (queue as Partial<DeadLetters>).listDead === 'function';

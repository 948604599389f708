/** The IPC messages between bench/realtime.ts and its client processes (realtime-client.ts). */
export interface SocketSpec {
  token: string;
  /** X-Forwarded-For of this socket: the gateway's per-address limit counts it, as behind a balancer. */
  forwardedFor: string;
}

export type ClientCommand =
  | { cmd: 'connect'; url: string; sockets: SocketSpec[]; localAddress: string; parallel: number }
  | { cmd: 'timing'; on: boolean }
  | { cmd: 'stats'; perSocket: boolean; latencies: boolean }
  | { cmd: 'close' };

export type ClientReply =
  | { type: 'ok' }
  | { type: 'error'; message: string }
  | { type: 'connected'; opened: number; errors: string[] }
  | {
      type: 'stats';
      total: number;
      closedEarly: number;
      perSocket: number[];
      latencies: Record<string, number[]>;
    };

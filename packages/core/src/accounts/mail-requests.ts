import type { JobQueue } from '../jobs/jobs.ts';
import type { MailPurpose } from './email-token.repository.ts';

/**
 * Books a link mail once the change that calls for it has committed. A failure to book is
 * reported, never thrown: the change stands, and the user can ask for the mail again.
 */
export class MailRequests {
  constructor(
    private readonly queue: JobQueue,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  async request(userId: string, purpose: MailPurpose): Promise<void> {
    try {
      await this.queue.enqueue('mail.send', { userId, purpose });
    } catch (err) {
      this.onError(err);
    }
  }
}

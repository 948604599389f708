import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from '../ports.ts';

export interface OutboxMailerOptions {
  /** The folder each message lands in as one .eml file ($DATA_DIR/outbox). */
  dir: string;
  from: string;
  /** Told where each message went (the log line a newcomer follows); never given the body. */
  onWritten?: (info: { file: string; to: string; subject: string }) => void;
}

/**
 * Stage 1's mailer: nothing leaves the machine. nodemailer's stream transport writes the same
 * RFC 5322 message SMTP would carry, so a mail client opens the file as it would a received mail.
 */
export class OutboxMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(private readonly opts: OutboxMailerOptions) {
    this.transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(mail: OutgoingMail): Promise<void> {
    const info = (await this.transport.sendMail({ from: this.opts.from, ...mail })) as { message: Buffer };
    await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
    // Time first, so a listing sorts oldest to newest; written aside then renamed, so never seen half-done.
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`;
    const file = join(this.opts.dir, name);
    await writeFile(`${file}.tmp`, info.message, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    this.opts.onWritten?.({ file, to: mail.to, subject: mail.subject });
  }
}

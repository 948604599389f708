import { createTransport, type Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from '../ports.ts';

export interface SmtpMailerOptions {
  /** smtp://user:pass@host:port (STARTTLS when offered) or smtps://… (TLS from the first byte). */
  url: string;
  from: string;
  /** Trust this CA (tests' self-signed server); the system's roots otherwise. */
  ca?: string | Buffer;
}

/** Production mail through an SMTP relay (nodemailer), over a small pool of reused connections. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(private readonly opts: SmtpMailerOptions) {
    const url = new URL(opts.url);
    this.transport = createTransport({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      pool: true,
      maxConnections: 2,
      // A stuck relay fails the send (and the job retries) instead of holding a worker forever.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      tls: opts.ca ? { ca: opts.ca } : undefined,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({ from: this.opts.from, ...mail });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

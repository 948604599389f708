import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';

export type LinkKind = 'verify-email' | 'reset-password';

/** The token of the first link of this kind in a mail's text, or null. */
export function linkToken(mail: Pick<ParsedMail, 'text'>, kind: LinkKind): string | null {
  const match = new RegExp(`https?://\\S+/${kind}/([A-Za-z0-9_-]{43})\\b`).exec(mail.text ?? '');
  return match?.[1] ?? null;
}

/** The mails an outbox mailer wrote under `dataDir/outbox`, oldest first. */
export async function outboxMails(dataDir: string): Promise<ParsedMail[]> {
  const dir = join(dataDir, 'outbox');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.eml')).sort();
  return Promise.all(names.map(async (n) => simpleParser(await readFile(join(dir, n)))));
}

const recipient = (m: ParsedMail) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined);

/** Waits for a mail to `to` carrying a link of `kind` beyond the first `skip` such mails; its token. */
export async function waitForLink(
  read: () => Promise<ParsedMail[]>,
  to: string,
  kind: LinkKind,
  skip = 0,
): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const tokens = (await read())
      .filter((m) => recipient(m)?.toLowerCase() === to.toLowerCase())
      .map((m) => linkToken(m, kind))
      .filter((t): t is string => t !== null);
    const token = tokens[skip];
    if (token) return token;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${kind} mail to ${to}`);
}

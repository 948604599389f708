import type { OutgoingMail } from '@graminsta/platform';
import type { MailPurpose } from './email-token.repository.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const WORDING: Record<
  MailPurpose,
  { subject: string; path: string; lead: string; action: string; ignore: string }
> = {
  verify: {
    subject: 'Confirm your e-mail address for Graminsta',
    path: 'verify-email',
    lead: 'Someone, probably you, gave this address to the Graminsta account @{username}.',
    action: 'Confirm the address',
    ignore: 'If that was not you, ignore this mail: the address stays unconfirmed.',
  },
  reset: {
    subject: 'Reset your Graminsta password',
    path: 'reset-password',
    lead: 'A new password was asked for the Graminsta account @{username}.',
    action: 'Choose a new password',
    ignore: 'If you did not ask, ignore this mail: your password stays as it is.',
  },
};

/** The mail carrying a link token; `webUrl` is where the web client is served. */
export function linkMail(args: {
  purpose: MailPurpose;
  to: string;
  username: string;
  token: string;
  webUrl: string;
  validFor: string;
}): OutgoingMail {
  const w = WORDING[args.purpose];
  const link = `${args.webUrl.replace(/\/+$/, '')}/${w.path}/${args.token}`;
  const lead = w.lead.replace('{username}', args.username);
  const expiry = `The link works once, within ${args.validFor}.`;
  return {
    to: args.to,
    subject: w.subject,
    text: `${lead}\n\n${w.action}:\n${link}\n\n${expiry}\n${w.ignore}\n`,
    html:
      `<p>${escapeHtml(lead)}</p>` +
      `<p><a href="${escapeHtml(link)}">${escapeHtml(w.action)}</a></p>` +
      `<p>${escapeHtml(expiry)}<br>${escapeHtml(w.ignore)}</p>`,
  };
}

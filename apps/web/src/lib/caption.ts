export type CaptionToken =
  | { kind: 'text'; text: string }
  | { kind: 'tag'; text: string; tag: string }
  | { kind: 'mention'; text: string; username: string };

// Tags use the server's alphabet (letters and digits of any script, "_"); mentions need a
// word boundary before "@" so e-mail addresses stay text.
const TOKEN = /#([\p{L}\p{N}_]+)|(?<![\p{L}\p{N}_.@])@([A-Za-z0-9_.]+)/gu;

/** Splits user text into plain text, #tags and @mentions; the result is rendered as text nodes and links only. */
export function tokenizeCaption(input: string): CaptionToken[] {
  const tokens: CaptionToken[] = [];
  let plain = '';
  let last = 0;
  const flush = () => {
    if (plain) tokens.push({ kind: 'text', text: plain });
    plain = '';
  };
  for (const match of input.matchAll(TOKEN)) {
    plain += input.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[1] !== undefined) {
      flush();
      tokens.push({ kind: 'tag', text: match[0], tag: match[1].toLowerCase() });
      continue;
    }
    // A sentence may end right after a name: "thanks @ann." mentions "ann".
    const username = match[2]!.replace(/\.+$/, '');
    const trailing = match[2]!.slice(username.length);
    if (username.length < 3 || username.length > 30) {
      plain += match[0];
      continue;
    }
    flush();
    tokens.push({ kind: 'mention', text: `@${username}`, username });
    plain += trailing;
  }
  plain += input.slice(last);
  flush();
  return tokens;
}

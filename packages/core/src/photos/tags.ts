/** `#tag` in a caption: letters and digits of any script, and "_" (the same alphabet as TagParams). */
const TAG_PATTERN = /#([\p{L}\p{N}_]+)/gu;

export const MAX_TAGS = 30;
export const MAX_TAG_LENGTH = 100;

/** The distinct, lowercased tags of a caption in order of first use; at most MAX_TAGS. */
export function extractTags(caption: string): string[] {
  const tags = new Set<string>();
  for (const match of caption.normalize('NFC').matchAll(TAG_PATTERN)) {
    const tag = match[1]!.toLowerCase();
    if (tag.length > MAX_TAG_LENGTH) continue;
    tags.add(tag);
    if (tags.size === MAX_TAGS) break;
  }
  return [...tags];
}

// "@name" after a non-word character (so e-mail addresses stay text), the username alphabet;
// the web client's caption renderer links exactly these.
const MENTION_PATTERN = /(?<![\p{L}\p{N}_.@])@([A-Za-z0-9_.]+)/gu;

/** Users one caption or comment may notify: more names are left as text. */
export const MAX_MENTIONS = 10;

/** The distinct, lowercased usernames `@mentioned` in a text, in order of first use; at most MAX_MENTIONS. */
export function extractMentions(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION_PATTERN)) {
    // A sentence may end right after a name: "thanks @ann." mentions "ann".
    const name = match[1]!.replace(/\.+$/, '').toLowerCase();
    if (name.length < 3 || name.length > 30) continue;
    names.add(name);
    if (names.size === MAX_MENTIONS) break;
  }
  return [...names];
}

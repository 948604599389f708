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

import { describe, expect, it } from 'vitest';
import { MAX_TAGS, extractTags } from './tags.ts';

describe('extractTags', () => {
  it('finds lowercased, distinct tags of any script in order of first use', () => {
    expect(extractTags('Sunset at #Brighton #beach, #BEACH again! #東京 #café_2024 #a-b')).toEqual([
      'brighton',
      'beach',
      '東京',
      'café_2024',
      'a',
    ]);
  });

  it('treats a decomposed accent like a composed one', () => {
    expect(extractTags('#cafe\u0301 #caf\u00e9')).toEqual(['caf\u00e9']);
  });

  it('ignores a bare # and keeps at most MAX_TAGS', () => {
    expect(extractTags('# #  no tags here')).toEqual([]);
    const many = Array.from({ length: 50 }, (_, i) => `#t${i}`).join(' ');
    expect(extractTags(many)).toHaveLength(MAX_TAGS);
    expect(extractTags(many)[MAX_TAGS - 1]).toBe(`t${MAX_TAGS - 1}`);
  });
});

import { describe, expect, it } from 'vitest';
import { tokenizeCaption } from './caption.ts';

describe('tokenizeCaption', () => {
  it('splits text, tags and mentions in order', () => {
    expect(tokenizeCaption('Sunset with @ann.b at #Beach_2, #sea!')).toEqual([
      { kind: 'text', text: 'Sunset with ' },
      { kind: 'mention', text: '@ann.b', username: 'ann.b' },
      { kind: 'text', text: ' at ' },
      { kind: 'tag', text: '#Beach_2', tag: 'beach_2' },
      { kind: 'text', text: ', ' },
      { kind: 'tag', text: '#sea', tag: 'sea' },
      { kind: 'text', text: '!' },
    ]);
  });

  it('leaves e-mail addresses, short names and a lone # as text, and trims a full stop after a name', () => {
    expect(tokenizeCaption('mail me@example.com or @ab # ok')).toEqual([
      { kind: 'text', text: 'mail me@example.com or @ab # ok' },
    ]);
    expect(tokenizeCaption('thanks @ann.')).toEqual([
      { kind: 'text', text: 'thanks ' },
      { kind: 'mention', text: '@ann', username: 'ann' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps markup as plain text', () => {
    const text = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    expect(tokenizeCaption(text)).toEqual([{ kind: 'text', text }]);
  });

  it('reads tags in any script', () => {
    expect(tokenizeCaption('#café #東京')).toEqual([
      { kind: 'tag', text: '#café', tag: 'café' },
      { kind: 'text', text: ' ' },
      { kind: 'tag', text: '#東京', tag: '東京' },
    ]);
  });
});

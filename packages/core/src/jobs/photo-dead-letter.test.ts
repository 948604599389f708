import { describe, expect, it } from 'vitest';
import { abandonedReason } from './photo-dead-letter.ts';

describe('the reason a given-up post shows its owner', () => {
  it('names the tries and the error class or code, never the message (paths, addresses)', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 10.0.3.4:9000 /var/lib/x'), {
      code: 'ECONNREFUSED',
    });
    expect(abandonedReason({ id: '1', attempts: 3, error })).toBe(
      'processing failed after 3 tries (ECONNREFUSED)',
    );
    expect(abandonedReason({ id: '1', attempts: 1, error: new SyntaxError('bad /etc/passwd') })).toBe(
      'processing failed after 1 try (SyntaxError)',
    );
    // Whatever was thrown, the text stays short and plain.
    const hostile = { name: 'x'.repeat(500) + '<script>/\u0000' };
    const reason = abandonedReason({ id: '1', attempts: 2, error: hostile });
    expect(reason.length).toBeLessThan(120);
    expect(reason).toMatch(/^processing failed after 2 tries \(x+\)$/);
    expect(abandonedReason({ id: '1', attempts: 2, error: undefined })).toBe(
      'processing failed after 2 tries (Error)',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';

describe('mail settings', () => {
  it('defaults to no relay and a From on localhost', () => {
    const config = loadConfig({});
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.MAIL_FROM).toBe('Graminsta <no-reply@localhost>');
  });

  it('takes smtp:// and smtps:// relays with credentials', () => {
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example:465' }).SMTP_URL).toBe(
      'smtps://u:p@mail.example:465',
    );
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).SMTP_URL).toBe('smtp://127.0.0.1:2525');
  });

  it('fails fast naming the variable on a relay that is not SMTP, or a From of two lines', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/SMTP_URL: must be an smtp/);
    expect(() => loadConfig({ SMTP_URL: 'not a url' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ MAIL_FROM: 'a@b.c\r\nBcc: x@y.z' })).toThrow(/MAIL_FROM/);
    expect(() => loadConfig({ MAIL_FROM: 'no address' })).toThrow(/MAIL_FROM/);
  });
});

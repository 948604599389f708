import { z } from 'zod';

// C0 controls, DEL and C1 controls; lone surrogates (the `u` flag keeps a valid pair whole); and
// U+FFFD, which is what broken UTF-8 in a request turns into: refused rather than stored mangled.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SINGLE_LINE = /^[^\u0000-\u001f\u007f-\u009f\ud800-\udfff\ufffd]*$/u;
// The same, except newline and tab, which a multi-line field (caption, bio, comment) may hold.
// eslint-disable-next-line no-control-regex -- as above
const MULTI_LINE = /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\ud800-\udfff\ufffd]*$/u;

export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters';

/**
 * The one base of every string a request carries (params, query, body): control characters are
 * refused with 400 before they reach a service or the database (PostgreSQL refuses NUL in text).
 */
export const text = (opts: { multiline?: boolean } = {}) =>
  z.string().regex(opts.multiline ? MULTI_LINE : SINGLE_LINE, CONTROL_CHARACTER_MESSAGE);

/** Longest client name kept for the devices list, in characters. */
export const CLIENT_LABEL_MAX = 200;

// C0 and C1 controls, DEL, and lone surrogates: nothing a list of devices should print.
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A User-Agent made fit to show: controls removed, spaces collapsed, cut to CLIENT_LABEL_MAX. */
export function clientLabel(userAgent: string | undefined): string {
  if (!userAgent) return '';
  const clean = userAgent.replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim();
  // By code points, so a cut never splits a surrogate pair.
  return Array.from(clean).slice(0, CLIENT_LABEL_MAX).join('').trim();
}

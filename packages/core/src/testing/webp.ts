/** The chunk ids of a WebP (RIFF) file: metadata would show up as EXIF, XMP or ICCP chunks. */
export function webpChunkIds(body: Buffer): string[] {
  if (
    body.subarray(0, 4).toString('latin1') !== 'RIFF' ||
    body.subarray(8, 12).toString('latin1') !== 'WEBP'
  ) {
    throw new Error('not a WebP file');
  }
  const ids: string[] = [];
  for (let at = 12; at + 8 <= body.length;) {
    const size = body.readUInt32LE(at + 4);
    ids.push(body.subarray(at, at + 4).toString('latin1'));
    at += 8 + size + (size % 2);
  }
  return ids;
}

/**
 * Writes the served OpenAPI document to a file (default: stdout), for the linters in
 * scripts/test.sh: the app is built in-process and asked by inject, so no port is opened.
 */
import { writeFile } from 'node:fs/promises';
import { createTestApp } from '../apps/server/src/testing/test-app.ts';

const out = process.argv[2];
const t = await createTestApp();
try {
  const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /api/openapi.json answered ${res.statusCode}`);
  const text = JSON.stringify(res.json(), null, 2) + '\n';
  if (out) await writeFile(out, text);
  else process.stdout.write(text);
} finally {
  await t.close();
}

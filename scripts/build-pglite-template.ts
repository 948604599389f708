// npm run db:template: rebuilds the PGlite template a fresh stage-1 folder starts from.
// Run after every migration change (db:generate does); pglite-template.test.ts fails until then.
import { writePgliteTemplate } from '@graminsta/platform';
import { MIGRATIONS_FOLDER, PGLITE_TEMPLATE_FOLDER } from '@graminsta/core';

await writePgliteTemplate(PGLITE_TEMPLATE_FOLDER, MIGRATIONS_FOLDER);
console.log(`PGlite template written to ${PGLITE_TEMPLATE_FOLDER}`);

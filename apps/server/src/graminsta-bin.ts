import { fileURLToPath } from 'node:url';

/** The `graminsta` command, for starting the server as a child process (`node GRAMINSTA_BIN start`). */
export const GRAMINSTA_BIN = fileURLToPath(new URL('../bin/graminsta.mjs', import.meta.url));

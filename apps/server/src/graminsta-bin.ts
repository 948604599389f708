import { fileURLToPath } from 'node:url';
import { startChild, type Child } from '@graminsta/topology';

/** The `graminsta` command, for starting the server as a child process (`node GRAMINSTA_BIN start`). */
export const GRAMINSTA_BIN = fileURLToPath(new URL('../bin/graminsta.mjs', import.meta.url));

/** `graminsta <args>` as a child process, resolved once it prints the URL it is ready at (`announced`). */
export function startGraminsta(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Child> {
  return startChild({
    name: `graminsta ${args.join(' ')}`,
    command: process.execPath,
    args: [GRAMINSTA_BIN, ...args],
    env,
    cwd,
    readyLine: /Graminsta is ready at (\S+)/,
  });
}

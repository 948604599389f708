import { Username, type Role } from '@graminsta/contracts';
import { AppError } from '@graminsta/core';
import { ConfigError, DataDirInUseError, dataDirHolder, loadConfig } from '@graminsta/platform';
import { compose, pgliteFolderOf, type Composition } from '../compose.ts';
import { sendControl } from '../control/control-client.ts';
import { createRuntime } from '../runtime.ts';

const ROLE_OF = { grant: 'moderator', revoke: 'user' } as const satisfies Record<string, Role>;
export type AdminAction = keyof typeof ROLE_OF;

/** `graminsta admin grant|revoke <username>` as parsed from the command line; ConfigError when it is not. */
export function parseAdminArgs(args: string[]): { action: AdminAction; username: string } {
  const [action, username, ...rest] = args;
  if ((action !== 'grant' && action !== 'revoke') || username === undefined || rest.length > 0) {
    throw new ConfigError('usage: graminsta admin grant|revoke <username>');
  }
  const parsed = Username.safeParse(username);
  if (!parsed.success) throw new ConfigError(`"${username}" is not a username`);
  return { action, username: parsed.data };
}

/**
 * Grants or revokes the moderator role. As with `seed`: at stage 1 a running server holds the
 * PGlite folder, so the change goes through its control socket; otherwise the database is opened here.
 */
export async function runAdmin(
  env: Record<string, string | undefined>,
  opts: { action: AdminAction; username: string },
  print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  const role = ROLE_OF[opts.action];
  const config = loadConfig(env);
  if (!config.DATABASE_URL) {
    const folder = pgliteFolderOf(config);
    const holder = dataDirHolder(folder);
    if (holder) {
      if (!holder.control) throw new DataDirInUseError(folder, holder);
      print(await sendControl(holder.control, { command: 'role', username: opts.username, role }, print));
      return;
    }
  }
  const comp = await compose(createRuntime(config, { defaultMetrics: false }));
  try {
    print(await setRoleMessage(comp, opts.username, role));
  } finally {
    await comp.close();
  }
}

/** Sets the role and says what happened; an unknown account is the operator's error, not a crash. */
export async function setRoleMessage(
  comp: Pick<Composition, 'services'>,
  username: string,
  role: Role,
): Promise<string> {
  try {
    const user = await comp.services.moderation.setRole(username, role);
    return role === 'moderator'
      ? `${user.username} is now a moderator.`
      : `${user.username} is no longer a moderator.`;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found')
      throw new ConfigError(`no account named "${username}"`);
    throw err;
  }
}

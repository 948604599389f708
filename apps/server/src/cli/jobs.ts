import { JOB_NAMES, type JobName } from '@graminsta/core';
import { ConfigError, hasDeadLetters, loadConfig, type DeadLetters } from '@graminsta/platform';
import { compose } from '../compose.ts';
import { createRuntime } from '../runtime.ts';

export type JobsCommand =
  { action: 'dead'; job: JobName | null } | { action: 'retry' | 'drop'; job: JobName; id: string };

const USAGE = 'usage: graminsta jobs dead [<job>] | jobs retry <job> <id> | jobs drop <job> <id>';

function jobName(name: string | undefined): JobName {
  if (name === undefined || !(JOB_NAMES as string[]).includes(name))
    throw new ConfigError(`"${name ?? ''}" is not a job name (${JOB_NAMES.join(', ')})`);
  return name as JobName;
}

/** `graminsta jobs …` as parsed from the command line; ConfigError when it is not. */
export function parseJobsArgs(args: string[]): JobsCommand {
  const [action, job, id, ...rest] = args;
  if (rest.length > 0) throw new ConfigError(USAGE);
  if (action === 'dead' && id === undefined) return { action, job: job === undefined ? null : jobName(job) };
  if ((action === 'retry' || action === 'drop') && id !== undefined && /^[\w.%-]{1,200}$/.test(id))
    return { action, job: jobName(job), id };
  throw new ConfigError(USAGE);
}

/**
 * The operator's view of given-up jobs, on the queue the configuration names (BullMQ's failed set, or
 * the dead rows of PostgreSQL's `jobs` table): one line per job with its name, id, tries, the class of
 * its last error and when it failed, never its payload. `retry` gives a job all its tries anew.
 */
export async function runJobsOn(
  queue: DeadLetters,
  cmd: JobsCommand,
  print: (line: string) => void,
): Promise<void> {
  if (cmd.action === 'dead') {
    const dead = await queue.listDead(cmd.job ? [cmd.job] : JOB_NAMES, 100);
    if (dead.length === 0) return print('No dead jobs.');
    for (const d of dead)
      print(
        `${d.failedAt.toISOString()}  ${d.job}  ${d.id}  after ${d.attempts} tr${d.attempts === 1 ? 'y' : 'ies'}  ${d.errorClass}`,
      );
    return;
  }
  const done =
    cmd.action === 'retry' ? await queue.retryDead(cmd.job, cmd.id) : await queue.dropDead(cmd.job, cmd.id);
  if (!done) throw new ConfigError(`no dead ${cmd.job} job with id ${cmd.id}`);
  print(cmd.action === 'retry' ? `${cmd.job} ${cmd.id} queued again.` : `${cmd.job} ${cmd.id} dropped.`);
}

export async function runJobs(
  env: Record<string, string | undefined>,
  cmd: JobsCommand,
  print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  const config = loadConfig(env);
  if (config.QUEUE === 'memory')
    throw new ConfigError(
      'the in-process queue (stage 1) keeps no dead jobs: a given-up post shows as failed',
    );
  const comp = await compose(createRuntime(config, { defaultMetrics: false }));
  try {
    if (!hasDeadLetters(comp.queue)) throw new ConfigError(`QUEUE=${config.QUEUE} keeps no dead-letter list`);
    await runJobsOn(comp.queue, cmd, print);
  } finally {
    await comp.close();
  }
}

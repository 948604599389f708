import { parseArgs } from 'node:util';
import { ALL_ROLES, ConfigError, DataDirInUseError, loadConfig } from '@graminsta/platform';
import { MAX_SEED_USERS } from './control/control-socket.ts';
import { DRAIN_SECONDS } from './drain.ts';
import { installProcessGuards } from './process-guards.ts';
import { startServer } from './server.ts';

const USAGE = `Usage: graminsta <command> [options]

Commands:
  start [--roles ${ALL_ROLES.join(',')}] [--port N]   run roles (default: all, stage 1)
  migrate                                                     apply database migrations and exit
  seed [--users N]                                            create demo accounts, follows and photos
  up --stage N [--api N] [--web M] [--workers W] [--port P]   run a stage's whole topology on loopback
     stage 6 also: [--realtime R] [--replica-delay-ms D]       realtime processes; replica apply delay
     [--monitor]                                               stages 1–6: Prometheus, exporters, alert rules
     a range (--api 1..4) autoscales the tier; [--schedule "18:00-21:00 api=3"] raises its minimum daily
  object-store [--port N]                                     stage 5's S3-protocol store (s3rver) on loopback
  edge-exporter --port N --syslog-port M                      the edge's cache outcomes for Prometheus (up --monitor runs it)
  admin grant|revoke <username>                               give or take back the moderator role
  jobs dead [<job>] | jobs retry|drop <job> <id>              the dead-letter list of the job queue
  queries [--top N]                                           the statements that took the most time (pg_stat_statements)
  doctor [--seconds N] [--json]                               where a running \`up\` topology's bottleneck is

Configuration comes from the environment (DATA_DIR, DATABASE_URL, PORT, ...); see ARCHITECTURE.md.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      roles: { type: 'string' },
      port: { type: 'string' },
      users: { type: 'string' },
      stage: { type: 'string' },
      api: { type: 'string' },
      web: { type: 'string' },
      workers: { type: 'string' },
      realtime: { type: 'string' },
      'replica-delay-ms': { type: 'string' },
      monitor: { type: 'boolean' },
      'syslog-port': { type: 'string' },
      top: { type: 'string' },
      seconds: { type: 'string' },
      json: { type: 'boolean' },
      schedule: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'start';
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const env = { ...process.env };
  if (values.roles) env.ROLES = values.roles;
  if (values.port) env.PORT = values.port;

  switch (command) {
    case 'start': {
      const server = await startServer(env);
      installProcessGuards(process, {
        logger: server.logger,
        drain: server.stop,
        drainMs: DRAIN_SECONDS * 1000,
      });
      const roles = loadConfig(env).roles.join(',');
      const via = server.url !== server.listenUrl ? `; public API ${server.url}` : '';
      console.log(`Graminsta is ready at ${server.listenUrl} (roles: ${roles}${via})`);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          server.logger.info({ signal }, 'draining');
          const force = setTimeout(() => process.exit(1), DRAIN_SECONDS * 1000);
          force.unref();
          server.stop().then(resolve, (err: unknown) => {
            server.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          });
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      });
      return 0;
    }
    case 'up': {
      const { runUp } = await import('./cli/up.ts');
      return runUp(env, values);
    }
    case 'object-store': {
      const { runObjectStore } = await import('./cli/object-store.ts');
      return runObjectStore(env);
    }
    case 'edge-exporter': {
      const { runEdgeExporter } = await import('./cli/edge-exporter.ts');
      return runEdgeExporter(env, values);
    }
    case 'migrate': {
      const { runMigrate } = await import('./cli/migrate.ts');
      await runMigrate(env);
      console.log('Migrations applied.');
      return 0;
    }
    case 'seed': {
      const { runSeed } = await import('./cli/seed.ts');
      const users = Number(values.users ?? 20);
      if (!Number.isInteger(users) || users < 1 || users > MAX_SEED_USERS)
        throw new ConfigError(`--users must be an integer from 1 to ${MAX_SEED_USERS}`);
      await runSeed(env, { users });
      return 0;
    }
    case 'admin': {
      const { parseAdminArgs, runAdmin } = await import('./cli/admin.ts');
      await runAdmin(env, parseAdminArgs(positionals.slice(1)));
      return 0;
    }
    case 'jobs': {
      const { parseJobsArgs, runJobs } = await import('./cli/jobs.ts');
      await runJobs(env, parseJobsArgs(positionals.slice(1)));
      return 0;
    }
    case 'queries': {
      const { parseTop, runQueries } = await import('./cli/queries.ts');
      await runQueries(env, parseTop(values.top));
      return 0;
    }
    case 'doctor': {
      const { parseDoctorArgs, runDoctor } = await import('./cli/doctor.ts');
      await runDoctor(env, parseDoctorArgs(values));
      return 0;
    }
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof DataDirInUseError) {
      console.error(err.message);
      process.exit(1);
    }
    if (err instanceof ConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error((err as Error).message);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);

// A process with the guards installed that then misbehaves as argv[2] says (process-guards.test.ts).
import pino from 'pino';
import { installProcessGuards } from '../process-guards.ts';

const logger = pino({ base: null });
installProcessGuards(process, {
  logger,
  drain: async () => console.log('drained'),
  drainMs: 30_000,
});
const keepAlive = setInterval(() => undefined, 1000);

if (process.argv[2] === 'reject') {
  void Promise.reject(new Error('nobody awaited this'));
  // Still here a moment later: the rejection was logged, not fatal.
  setTimeout(() => {
    console.log('still serving');
    clearInterval(keepAlive);
  }, 500);
} else {
  setTimeout(() => {
    throw new Error('state may be corrupt');
  }, 10);
}

import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendControl } from './control-client.ts';
import { CONTROL_MAX_REQUEST_BYTES, listenControl, type ControlSocket } from './control-socket.ts';

/** Sends raw bytes and collects everything until the server closes the connection. */
function rawExchange(path: string, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.on('connect', () => socket.write(bytes));
  });
}

describe('control socket', () => {
  let dir: string;
  let control: ControlSocket;
  const seeded: number[] = [];
  const roles: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graminsta-control-'));
    control = await listenControl(
      join(dir, 'control.sock'),
      {
        async seed(users, progress) {
          progress(`seeding ${users}`);
          seeded.push(users);
          return `seeded ${users}`;
        },
        async setRole(username, role) {
          roles.push(`${username}:${role}`);
          return `${username} is ${role}`;
        },
      },
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await control.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is for this user only (mode 0600)', () => {
    expect(statSync(control.path).mode & 0o777).toBe(0o600);
  });

  it('runs a request and streams its progress back', async () => {
    const lines: string[] = [];
    expect(await sendControl(control.path, { command: 'seed', users: 2 }, (l) => lines.push(l))).toBe(
      'seeded 2',
    );
    expect(lines).toEqual(['seeding 2']);
  });

  it('sets a role', async () => {
    const answer = await sendControl(
      control.path,
      { command: 'role', username: 'ada', role: 'moderator' },
      () => {},
    );
    expect(answer).toBe('ada is moderator');
    expect(roles).toEqual(['ada:moderator']);
  });

  it.each([
    ['a role for a name that is no username', '{"command":"role","username":"../x","role":"moderator"}\n'],
    ['an unknown role', '{"command":"role","username":"ada","role":"root"}\n'],
    ['broken UTF-8', Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a])],
    ['not JSON', 'seed please\n'],
    ['deeply nested JSON', `${'['.repeat(1000)}${']'.repeat(1000)}\n`],
    ['a wrong type', '{"command":"seed","users":"20"}\n'],
    ['an unknown command', '{"command":"drop","users":1}\n'],
    ['too many users', '{"command":"seed","users":1e9}\n'],
    ['extra fields', '{"command":"seed","users":1,"as":"root"}\n'],
    ['a request past the size limit', 'x'.repeat(CONTROL_MAX_REQUEST_BYTES + 10)],
  ])('closes the connection on %s, runs nothing, and keeps serving', async (_, bytes) => {
    const before = seeded.length + roles.length;
    const answer = await rawExchange(control.path, bytes);
    expect(JSON.parse(answer.trim())).toHaveProperty('error');
    expect(seeded.length + roles.length).toBe(before);
    expect(await sendControl(control.path, { command: 'seed', users: 1 }, () => {})).toBe('seeded 1');
  });

  it('closes a connection that never sends its request', async () => {
    expect(await rawExchange(control.path, '{"command":')).toBe('');
  }, 30_000);
});

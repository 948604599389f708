import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { NotifierImpl } from './notification.service.ts';

describe('Notifier.announce', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.close());

  it('reports a failed live push instead of failing the write it follows', async () => {
    const db = t.database.db;
    const [ann, ben] = await db
      .insert(users)
      .values([
        { username: 'ann', passwordHash: 'x' },
        { username: 'ben', passwordHash: 'x' },
      ])
      .returning({ id: users.id });
    const reported: unknown[] = [];
    const notifier = new NotifierImpl({
      db,
      blobs: { publicUrl: (key) => `/storage/blobs/${key}` },
      // The pub/sub is down: publishing fails after the notification has committed.
      events: { publish: () => Promise.reject(new Error('pub/sub unreachable')) },
      onError: (err) => reported.push(err),
    });
    const id = await db.transaction((tx) =>
      notifier.record(tx, { recipientId: ann!.id, actorId: ben!.id, type: 'follow' }),
    );
    await expect(notifier.announce(id!)).resolves.toBeUndefined();
    expect(reported).toHaveLength(1);
    expect(String(reported[0])).toContain('pub/sub unreachable');
  });
});

import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createKnexAdapterClass, removeExpired } from '../../src/adapters/knex-adapter.js';

/** The knex adapter keeps expired rows until the sweep; this checks the sweep on any database. */
export function describeExpirySweep(getDb: () => Knex): void {
  describe('removeExpired', () => {
    test('deletes expired rows and keeps live and non-expiring ones', async () => {
      const db = getDb();
      const Adapter = createKnexAdapterClass(db);
      const [soon, later, never] = [randomUUID(), randomUUID(), randomUUID()];
      await new Adapter('AccessToken').upsert(soon, { accountId: 'm1' }, 60);
      await new Adapter('AccessToken').upsert(later, { accountId: 'm1' }, 3_600);
      await new Adapter('Grant').upsert(never, { accountId: 'm1' }, 0);
      const rows = () => db('oidc_models').whereIn('id', [soon, later, never]).orderBy('id').pluck('id');

      // Two minutes on, only the first has expired: no real wait needed.
      const removed = await removeExpired(db, new Date(Date.now() + 120_000));

      expect(removed).toBeGreaterThanOrEqual(1);
      expect(await rows()).toEqual([later, never].sort());
      expect(await new Adapter('AccessToken').find(later)).toEqual({ accountId: 'm1' });
    });
  });
}

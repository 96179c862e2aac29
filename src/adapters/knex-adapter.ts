import type { AdapterPayload } from 'oidc-provider';
import type { Knex } from 'knex';
import { dbTime } from '../db/knex.js';
import type { StorageAdapter } from './storage-adapter.js';

const TABLE = 'oidc_models';

/**
 * oidc-provider's models in one table, keyed by (kind, id). An expired row is never
 * returned, even before the periodic sweep removes it.
 */
export function createKnexAdapterClass(db: Knex) {
  const alive = (query: Knex.QueryBuilder) =>
    query.andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', dbTime(new Date())));

  const decode = (row: { payload: string; consumed_at: unknown } | undefined): AdapterPayload | undefined => {
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    // consumed_at is authoritative: consume() only writes the column.
    return row.consumed_at ? { ...payload, consumed: true } : payload;
  };

  return class KnexAdapter implements StorageAdapter {
    constructor(readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        kind: this.kind,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        account_id: payload.accountId ?? null,
        expires_at: expiresIn ? dbTime(new Date(Date.now() + expiresIn * 1000)) : null,
        consumed_at: payload.consumed ? dbTime(new Date()) : null,
      };
      await db(TABLE).insert(row).onConflict(['kind', 'id']).merge();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return decode(await alive(db(TABLE).where({ kind: this.kind, id })).first('payload', 'consumed_at'));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return decode(await alive(db(TABLE).where({ kind: this.kind, uid })).first('payload', 'consumed_at'));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return decode(await alive(db(TABLE).where({ kind: this.kind, user_code: userCode })).first('payload', 'consumed_at'));
    }

    /**
     * One conditional write: of any number of concurrent calls for one live model, exactly
     * one is told `true`. The others (and a call for a missing, expired or already consumed
     * model) are told `false`.
     */
    async consume(id: string): Promise<boolean> {
      const updated = await alive(db(TABLE).where({ kind: this.kind, id }).whereNull('consumed_at')).update({ consumed_at: dbTime(new Date()) });
      return updated === 1;
    }

    async destroy(id: string): Promise<void> {
      await db(TABLE).where({ kind: this.kind, id }).delete();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // Every model of the grant, whatever its kind: tokens, codes and the grant itself.
      await db(TABLE).where({ grant_id: grantId }).delete();
    }
  };
}

/** Deletes expired rows; returns how many. */
export async function removeExpired(db: Knex, now = new Date()): Promise<number> {
  return db(TABLE).whereNotNull('expires_at').where('expires_at', '<=', dbTime(now)).delete();
}

/** Runs removeExpired every `intervalMs`; returns a stop function. */
export function scheduleExpirySweep(db: Knex, intervalMs: number, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => {
    removeExpired(db).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

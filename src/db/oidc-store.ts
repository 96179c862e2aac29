import type { Knex } from 'knex';

const ACCOUNT_KINDS = ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode'];

/** What the domain may do to oidc-provider's stored models directly (the adapter does the rest). */
export function createOidcStore(db: Knex | Knex.Transaction) {
  return {
    /** Ends every session, grant and token of a member (「全てのデバイスからサインアウトする」). */
    async revokeAccount(accountId: string): Promise<number> {
      return db('oidc_models').whereIn('kind', ACCOUNT_KINDS).where({ account_id: accountId }).delete();
    },

    /**
     * Ends every session, grant and token of a member except one browser's: its session (by
     * uid) and the grants it holds, with their tokens (「他のデバイスからサインアウトする」).
     * Grant rows are stored under the keyed hash of their id (src/adapters/stored-ids.ts),
     * so `storedId` turns a kept grant id into its row id.
     */
    async revokeAccountExcept(accountId: string, keep: { sessionUid: string; grantIds: string[] }, storedId: (id: string) => string): Promise<number> {
      const grantIds = keep.grantIds.length ? keep.grantIds : [''];
      const grantRows = grantIds.map(storedId);
      return db('oidc_models')
        .whereIn('kind', ACCOUNT_KINDS)
        .where({ account_id: accountId })
        .whereNot((q) => q.where('kind', 'Session').where('uid', keep.sessionUid))
        .whereNot((q) => q.where('kind', 'Grant').whereIn('id', grantRows))
        .where((q) => q.whereNull('grant_id').orWhereNotIn('grant_id', grantIds))
        .delete();
    },
  };
}

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
     * Ends a member's grants to one client, with their tokens (「許可を取り消す」); sessions
     * stay. The grant rows hold no client column, so the client is read from their payload.
     */
    async revokeClient(accountId: string, clientId: string, storedId: (id: string) => string): Promise<number> {
      const grants = (await db('oidc_models').where({ kind: 'Grant', account_id: accountId }).select('id', 'payload')) as Array<{ id: string; payload: string }>;
      const grantRows = new Set(grants.filter((g) => (JSON.parse(g.payload) as { clientId?: string }).clientId === clientId).map((g) => g.id));
      if (!grantRows.size) return 0;
      // Grant rows are stored under the keyed hash of their id; the tokens name their grant in clear.
      const referenced = (await db('oidc_models').where({ account_id: accountId }).whereNotNull('grant_id').distinct('grant_id')) as Array<{ grant_id: string }>;
      const grantIds = referenced.map((r) => r.grant_id).filter((id) => grantRows.has(storedId(id)));
      return db('oidc_models')
        .whereIn('kind', ACCOUNT_KINDS)
        .where({ account_id: accountId })
        .where((q) => q.where((g) => g.where('kind', 'Grant').whereIn('id', [...grantRows])).orWhereIn('grant_id', grantIds.length ? grantIds : ['']))
        .delete();
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

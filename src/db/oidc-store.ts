import type { Knex } from 'knex';

const ACCOUNT_KINDS = ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode'];

/** What the domain may do to oidc-provider's stored models directly (the adapter does the rest). */
export function createOidcStore(db: Knex | Knex.Transaction) {
  return {
    /** Ends every session, grant and token of a member (「全てのデバイスからサインアウトする」). */
    async revokeAccount(accountId: string): Promise<number> {
      return db('oidc_models').whereIn('kind', ACCOUNT_KINDS).where({ account_id: accountId }).delete();
    },
  };
}

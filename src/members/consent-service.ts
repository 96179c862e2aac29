import type { Knex } from 'knex';
import { createAuditStore } from '../db/audit-store.js';
import { createConsentStore, type AllowedClient, type ConsentItems } from '../db/consent-store.js';
import { createOidcStore } from '../db/oidc-store.js';

/**
 * A member's consent to a third-party relying party outlives the provider session (and a
 * logout) until it is revoked; only a request for more asks again.
 */
/** `storedModelId`: the id a provider model is stored under (the keyed hash of TOKEN_HASH_KEY). */
export function createConsentService(db: Knex, storedModelId: (id: string) => string) {
  const store = createConsentStore(db);
  return {
    remembered: (memberId: string, clientId: string): Promise<ConsentItems> => store.find(memberId, clientId),
    remember: (memberId: string, clientId: string, items: ConsentItems): Promise<void> => store.add(memberId, clientId, items),
    /** Forgets what the member allowed one client (or every client): the next login asks again. */
    revoke: (memberId: string, clientId?: string): Promise<number> => store.revoke(memberId, clientId),
    /** The clients the member has allowed (the account page's list). */
    allowed: (memberId: string): Promise<AllowedClient[]> => store.listForMember(memberId),

    /**
     * 「許可を取り消す」: forgets the consent and ends the client's grants and refresh tokens for
     * this member, in one transaction with its audit event. False when the member had not
     * allowed that client (nothing changes).
     */
    async withdraw(memberId: string, clientId: string, context: { ip?: string }): Promise<boolean> {
      return db.transaction(async (trx) => {
        const forgotten = await createConsentStore(trx).revoke(memberId, clientId);
        if (!forgotten) return false;
        const removed = await createOidcStore(trx).revokeClient(memberId, clientId, storedModelId);
        await createAuditStore(trx).record({ actor: 'member', event: 'account.consent_revoked', memberId, ip: context.ip, clientId, details: { removed } });
        return true;
      });
    },
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;

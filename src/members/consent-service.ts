import type { Knex } from 'knex';
import { createConsentStore, type ConsentItems } from '../db/consent-store.js';

/**
 * A member's consent to a third-party relying party outlives the provider session (and a
 * logout) until it is revoked; only a request for more asks again.
 */
export function createConsentService(db: Knex) {
  const store = createConsentStore(db);
  return {
    remembered: (memberId: string, clientId: string): Promise<ConsentItems> => store.find(memberId, clientId),
    remember: (memberId: string, clientId: string, items: ConsentItems): Promise<void> => store.add(memberId, clientId, items),
    /** Forgets what the member allowed one client (or every client): the next login asks again. */
    revoke: (memberId: string, clientId?: string): Promise<number> => store.revoke(memberId, clientId),
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;

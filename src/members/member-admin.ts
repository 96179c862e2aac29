import type { Knex } from 'knex';
import { createAuditStore } from '../db/audit-store.js';
import { createMemberStore, type Member, type MemberPatch } from '../db/member-store.js';
import { createOidcStore } from '../db/oidc-store.js';
import { initialPassword } from './login-id.js';

/**
 * What an operator does to one member's account (seed FAQ: the society resets, unlocks).
 * Each action is one transaction with its audit event; those that take access away also
 * end the member's sessions and tokens at once.
 */
export function createMemberAdmin({ db }: { db: Knex }) {
  const act = async (member: Member, event: string, patch: MemberPatch, options: { signOut?: boolean; details?: Record<string, unknown> } = {}) => {
    await db.transaction(async (trx) => {
      await createMemberStore(trx).update(member.id, patch);
      const revoked = options.signOut ? await createOidcStore(trx).revokeAccount(member.id) : undefined;
      await createAuditStore(trx).record({ actor: 'operator', event, memberId: member.id, details: { ...options.details, ...(revoked === undefined ? {} : { revoked }) } });
    });
  };
  return {
    /** Back to the initial password (symbol + number + birth date); the member sets a new one at the next login. */
    async resetPassword(member: Member): Promise<string> {
      await act(member, 'member.password_reset', { passwordHash: null, mustChangePassword: true, failedAttempts: 0, lockedAt: null }, { signOut: true });
      return initialPassword(member);
    },
    /**
     * Opens a locked account and says whether it was locked: of two unlocks at once exactly
     * one reports it. An account that was not locked only has its failure count cleared.
     */
    async unlock(member: Member): Promise<boolean> {
      return db.transaction(async (trx) => {
        const store = createMemberStore(trx);
        const wasLocked = await store.unlock(member.id);
        if (!wasLocked) await store.update(member.id, { failedAttempts: 0 });
        await createAuditStore(trx).record({ actor: 'operator', event: 'member.unlocked', memberId: member.id, details: { was_locked: wasLocked } });
        return wasLocked;
      });
    },
    disable: (member: Member) => act(member, 'member.disabled', { disabledAt: new Date() }, { signOut: true }),
    enable: (member: Member) => act(member, 'member.enabled', { disabledAt: null }),
  };
}

export type MemberAdmin = ReturnType<typeof createMemberAdmin>;

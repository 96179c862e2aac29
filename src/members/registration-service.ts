import type { Knex } from 'knex';
import { createAuditStore } from '../db/audit-store.js';
import { isUniqueViolation } from '../db/knex.js';
import { createMemberStore, type Member, type MfaMethod } from '../db/member-store.js';
import { createOidcStore } from '../db/oidc-store.js';
import { NEW_LOGIN_ID, normaliseBirthDate, normaliseLoginId } from './login-id.js';
import type { MemberService } from './member-service.js';
import type { PasswordHasher } from './password.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';

export type Outcome<P extends string> = { ok: true } | { ok: false; problem: P; triesLeft?: number };

/** Whether every first-registration step is done (the terms are checked per login, not here). */
export function registrationComplete(m: Member): boolean {
  return Boolean(m.birthdateVerifiedAt && m.loginIdConfirmedAt && !m.mustChangePassword && m.emailVerifiedAt);
}

/** Stamps registered_at once the last registration step is stored, in the same transaction. */
export async function completeIfDone(trx: Knex.Transaction, memberId: string, now: Date): Promise<void> {
  const store = createMemberStore(trx);
  const member = await store.findById(memberId);
  if (member && !member.registeredAt && registrationComplete(member)) {
    await store.update(memberId, { registeredAt: now }, now);
    await createAuditStore(trx).record({ actor: 'member', event: 'member.registered', memberId });
  }
}

/** Ends every session, grant and token of the member (「全てのデバイスからサインアウトする」). */
export async function signOutEverywhere(trx: Knex.Transaction, memberId: string): Promise<void> {
  const removed = await createOidcStore(trx).revokeAccount(memberId);
  await createAuditStore(trx).record({ actor: 'member', event: 'member.signed_out_everywhere', memberId, details: { removed } });
}

/** Steps 2, 4 and 5 of first registration (seed 2-3, 2-5, 2-6). */
export function createRegistrationService({ db, hasher, members }: { db: Knex; hasher: PasswordHasher; members: MemberService }) {
  return {
    /** A miss counts as a failed attempt towards the lockout. */
    async verifyBirthDate(member: Member, input: string, context: { ip?: string; clientId?: string } = {}): Promise<Outcome<'birthdate.format' | 'birthdate.mismatch' | 'locked'>> {
      const date = normaliseBirthDate(input);
      if (date !== member.birthDate) {
        const failure = await members.recordFailure(member, 'birthdate', context);
        if (failure.locked) return { ok: false, problem: 'locked' };
        return { ok: false, problem: date ? 'birthdate.mismatch' : 'birthdate.format', triesLeft: failure.triesLeft };
      }
      const now = new Date();
      await db.transaction(async (trx) => {
        await createMemberStore(trx).update(member.id, { birthdateVerifiedAt: now }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'registration.birthdate', memberId: member.id });
        await completeIfDone(trx, member.id, now);
      });
      return { ok: true };
    },

    /** The user ID may stay as it is (even an imported one longer than the rules allow); a new one must follow them. */
    async confirmAccount(member: Member, rawLoginId: string, mfaMethod: MfaMethod): Promise<Outcome<'login_id.format' | 'login_id.taken'>> {
      const loginId = normaliseLoginId(rawLoginId);
      const changed = loginId !== member.loginId;
      if (changed && !NEW_LOGIN_ID.test(loginId)) return { ok: false, problem: 'login_id.format' };
      const now = new Date();
      try {
        await db.transaction(async (trx) => {
          await createMemberStore(trx).update(member.id, { loginId, mfaMethod, loginIdConfirmedAt: now }, now);
          await createAuditStore(trx).record({ actor: 'member', event: 'registration.account', memberId: member.id, details: { loginIdChanged: changed, mfaMethod } });
          await completeIfDone(trx, member.id, now);
        });
      } catch (error) {
        // Two members claiming one ID at once: the unique index lets one win.
        if (isUniqueViolation(error)) return { ok: false, problem: 'login_id.taken' };
        throw error;
      }
      return { ok: true };
    },

    async changePassword(member: Member, password: string, confirm: string, signOutAll: boolean): Promise<Outcome<PasswordProblem>> {
      const problem = checkNewPassword(password, confirm, member);
      if (problem) return { ok: false, problem };
      const passwordHash = await hasher.hash(password);
      const now = new Date();
      await db.transaction(async (trx) => {
        await createMemberStore(trx).update(member.id, { passwordHash, mustChangePassword: false, passwordChangedAt: now }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'registration.password', memberId: member.id, details: { signOutAll } });
        if (signOutAll) await signOutEverywhere(trx, member.id);
        await completeIfDone(trx, member.id, now);
      });
      return { ok: true };
    },
  };
}

export type RegistrationService = ReturnType<typeof createRegistrationService>;

import type { Knex } from 'knex';
import { createAuditStore } from '../db/audit-store.js';
import { createMemberStore, type Member } from '../db/member-store.js';
import { createOidcStore } from '../db/oidc-store.js';
import { createPasskeyStore } from '../db/passkey-store.js';
import type { Lang } from '../i18n.js';
import { describeDevice } from './device.js';
import type { MemberService } from './member-service.js';
import type { Notifications } from './notifications.js';
import type { PasswordHasher } from './password.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';
import { issueRecoveryCodes } from './recovery-codes.js';
import type { Outcome } from './registration-service.js';

export interface RequestContext {
  ip?: string;
  userAgent?: string;
  lang: Lang;
}

export interface SignIn {
  at: Date;
  device: string;
  ip: string | null;
}

const SIGN_IN_EVENT = 'login.completed';

/**
 * What a signed-in member changes on the account page (DESIGN "Account page"). Each change
 * is one transaction with its audit event; its notice mail goes out after it is stored.
 */
export interface AccountServiceDeps {
  db: Knex;
  hasher: PasswordHasher;
  members: Pick<MemberService, 'recordFailure'>;
  notify: Notifications;
  /** The id a provider model is stored under (the keyed hash of TOKEN_HASH_KEY). */
  storedModelId(id: string): string;
}

export function createAccountService({ db, hasher, members, notify, storedModelId }: AccountServiceDeps) {
  const audit = createAuditStore(db);
  const record = (trx: Knex.Transaction, member: Member, event: string, context: RequestContext, details?: Record<string, unknown>) =>
    createAuditStore(trx).record({ actor: 'member', event, memberId: member.id, ip: context.ip, details });

  return {
    /** Re-authentication with the password; a miss counts towards the lockout like one at the login page. */
    async verifyPassword(member: Member, password: string, context: RequestContext): Promise<Outcome<'account_page.password_wrong' | 'locked'>> {
      const { ok } = member.passwordHash ? await hasher.verify(member.passwordHash, password) : { ok: false };
      if (ok) return { ok: true };
      if (!member.passwordHash) await hasher.decoy(password);
      return (await members.recordFailure(member, 'password', { ip: context.ip })).locked ? { ok: false, problem: 'locked' } : { ok: false, problem: 'account_page.password_wrong' };
    },

    /** The current password is required, and the new one follows the registration rules (seed 2-6). */
    async changePassword(member: Member, current: string, password: string, confirm: string, context: RequestContext): Promise<Outcome<PasswordProblem | 'account_page.password_unchanged' | 'account_page.password_wrong' | 'locked'>> {
      const verified = await this.verifyPassword(member, current, context);
      if (!verified.ok) return verified;
      const problem = checkNewPassword(password, confirm, member);
      if (problem) return { ok: false, problem };
      if (password === current) return { ok: false, problem: 'account_page.password_unchanged' };
      const now = new Date();
      const passwordHash = await hasher.hash(password);
      await db.transaction(async (trx) => {
        await createMemberStore(trx).update(member.id, { passwordHash, passwordChangedAt: now, failedAttempts: 0 }, now);
        await record(trx, member, 'account.password_changed', context);
      });
      await notify.passwordChanged(member, context.lang);
      return { ok: true };
    },

    /**
     * Removes one passkey unless it is the member's last second factor (no authenticator app
     * and no other passkey). The member's row is written first, which holds its lock until
     * commit: two removals at once are decided one after the other.
     */
    async removePasskey(member: Member, credentialId: string, context: RequestContext): Promise<Outcome<'account_page.last_factor' | 'account_page.passkey_unknown'>> {
      const outcome = await db.transaction(async (trx): Promise<Outcome<'account_page.last_factor' | 'account_page.passkey_unknown'>> => {
        const memberStore = createMemberStore(trx);
        const passkeys = createPasskeyStore(trx);
        await memberStore.update(member.id, {});
        const current = await memberStore.findById(member.id);
        const list = await passkeys.list(member.id);
        if (!list.some((p) => p.credentialId === credentialId)) return { ok: false, problem: 'account_page.passkey_unknown' };
        if (list.length === 1 && !current?.otpSecret) return { ok: false, problem: 'account_page.last_factor' };
        await passkeys.remove(member.id, credentialId);
        // The last passkey gone, the authenticator app is what the login asks for.
        if (list.length === 1) await memberStore.update(member.id, { mfaMethod: 'otp' });
        await record(trx, member, 'account.passkey_removed', context, { credentialId: credentialId.slice(0, 16) });
        return { ok: true };
      });
      if (outcome.ok) await notify.factorChanged(member, 'passkey_removed', context.lang);
      return outcome;
    },

    /** A fresh set of recovery codes; the old ones stop working. */
    async regenerateRecoveryCodes(member: Member, context: RequestContext): Promise<string[]> {
      const codes = await db.transaction(async (trx) => {
        const issued = await issueRecoveryCodes(trx, member.id, new Date());
        await record(trx, member, 'account.recovery_codes_regenerated', context);
        return issued;
      });
      await notify.factorChanged(member, 'recovery_codes', context.lang);
      return codes;
    },

    /** Ends every other browser's session and the grants and refresh tokens issued through them. */
    async signOutOtherDevices(member: Member, keep: { sessionUid: string; grantIds: string[] }, context: RequestContext): Promise<number> {
      return db.transaction(async (trx) => {
        const removed = await createOidcStore(trx).revokeAccountExcept(member.id, keep, storedModelId);
        await record(trx, member, 'account.signed_out_other_devices', context, { removed });
        return removed;
      });
    },

    /** Records a completed login for the recent sign-ins list. */
    async recordSignIn(member: Member, context: RequestContext & { clientId?: string }, now = new Date()): Promise<void> {
      await audit.record({ actor: 'member', event: SIGN_IN_EVENT, memberId: member.id, ip: context.ip, clientId: context.clientId, details: { device: describeDevice(context.userAgent) } }, now);
    },

    async recentSignIns(member: Member, limit = 10): Promise<SignIn[]> {
      const events = await audit.list({ memberId: member.id, events: [SIGN_IN_EVENT], limit });
      return events.map((e) => ({ at: e.at, device: String(e.details?.device ?? '?'), ip: e.ip ?? null }));
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

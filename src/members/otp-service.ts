import type { Knex } from 'knex';
import type { Config } from '../config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { createAuditStore } from '../db/audit-store.js';
import { createMemberStore, type Member } from '../db/member-store.js';
import { createPasskeyStore } from '../db/passkey-store.js';
import { createRecoveryCodeStore } from '../db/recovery-code-store.js';
import type { MemberService } from './member-service.js';
import { issueRecoveryCodes, looksLikeRecoveryCode, remainingRecoveryCodes, useRecoveryCode } from './recovery-codes.js';
import { groupSecret, keyUri, matchingStep, newTotpSecret, normaliseCode } from './totp.js';

const SECRET_CONTEXT = 'members.otp_secret';
const PENDING_CONTEXT = 'interaction.pending_otp_secret';

export type BindResult = { status: 'bound'; recoveryCodes: string[] } | { status: 'wrong'; triesLeft: number } | { status: 'locked' };
export type VerifyResult =
  | { status: 'ok'; method: 'otp' }
  | { status: 'ok'; method: 'recovery'; remaining: number }
  | { status: 'wrong'; triesLeft: number }
  | { status: 'replay' }
  | { status: 'locked' };

/**
 * Authenticator-app binding and verification (seed 3-2 and 4). The secret is sealed with
 * the data-encryption key at rest, and while being set up it travels only sealed.
 */
export function createOtpService({ db, box, config, members }: { db: Knex; box: SecretBox; config: Pick<Config, 'issuerName'>; members: MemberService }) {
  const context = (memberId: string) => `${PENDING_CONTEXT}:${memberId}`;
  return {
    /** A fresh secret for setup, sealed to this member so it can wait in the interaction. */
    startSetup(member: Member): { sealed: string } {
      return { sealed: box.seal(newTotpSecret(), context(member.id)) };
    },

    /** What the setup page shows: the otpauth URI (QR code and app link) and the grouped secret. */
    setupDetails(member: Member, sealed: string): { uri: string; grouped: string } {
      const secret = box.open(sealed, context(member.id));
      return { uri: keyUri(secret, member.loginId, config.issuerName), grouped: groupSecret(secret) };
    },

    /** The first code confirms the binding; its time step counts as used. */
    async confirmSetup(member: Member, sealed: string, input: string, now = new Date()): Promise<BindResult> {
      const secret = box.open(sealed, context(member.id));
      const step = matchingStep(secret, normaliseCode(input), now);
      if (step === null) {
        const failure = await members.recordFailure(member, 'otp-setup');
        return failure.locked ? { status: 'locked' } : { status: 'wrong', triesLeft: failure.triesLeft };
      }
      const recoveryCodes = await db.transaction(async (trx) => {
        await createMemberStore(trx).update(member.id, { otpSecret: box.seal(secret, SECRET_CONTEXT), otpLastStep: step, mfaMethod: 'otp' }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'mfa.otp_bound', memberId: member.id });
        return issueRecoveryCodes(trx, member.id, now);
      });
      return { status: 'bound', recoveryCodes };
    },

    /** A code at login: ±1 step, once only; a recovery code works once in its place. */
    async verify(member: Member, input: string, context: { ip?: string; clientId?: string } = {}, now = new Date()): Promise<VerifyResult> {
      const code = normaliseCode(input);
      if (/^\d{6}$/.test(code) && member.otpSecret) {
        const step = matchingStep(box.open(member.otpSecret, SECRET_CONTEXT), code, now);
        if (step !== null) {
          if (!(await createMemberStore(db).advanceOtpStep(member.id, step, now))) return { status: 'replay' };
          await createAuditStore(db).record({ actor: 'member', event: 'login.otp', memberId: member.id, ip: context.ip, clientId: context.clientId });
          return { status: 'ok', method: 'otp' };
        }
      } else if (looksLikeRecoveryCode(input) && (await useRecoveryCode(db, member.id, input, now))) {
        await createAuditStore(db).record({ actor: 'member', event: 'login.recovery_code', memberId: member.id, ip: context.ip, clientId: context.clientId });
        return { status: 'ok', method: 'recovery', remaining: await remainingRecoveryCodes(db, member.id) };
      }
      const failure = await members.recordFailure(member, looksLikeRecoveryCode(input) ? 'recovery-code' : 'otp', context);
      return failure.locked ? { status: 'locked' } : { status: 'wrong', triesLeft: failure.triesLeft };
    },

    /** `kenpo members reset-mfa`: removes the app binding, passkeys and recovery codes; the member binds again at the next login. */
    async reset(member: Member, now = new Date()): Promise<{ recoveryCodesRemoved: number; passkeysRemoved: number }> {
      return db.transaction(async (trx) => {
        await createMemberStore(trx).update(member.id, { otpSecret: null, otpLastStep: null }, now);
        const passkeysRemoved = await createPasskeyStore(trx).removeAll(member.id);
        const recoveryCodesRemoved = await createRecoveryCodeStore(trx).removeAll(member.id);
        await createAuditStore(trx).record({ actor: 'operator', event: 'mfa.reset', memberId: member.id, details: { recoveryCodesRemoved, passkeysRemoved } });
        return { recoveryCodesRemoved, passkeysRemoved };
      });
    },
  };
}

export type OtpService = ReturnType<typeof createOtpService>;

import { createHash, randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { createAuditStore } from '../db/audit-store.js';
import { createMemberStore, type Member } from '../db/member-store.js';
import { createTokenStore } from '../db/token-store.js';
import { translator, type Lang } from '../i18n.js';
import type { Mailer } from '../mail/mailer.js';
import type { MemberService } from './member-service.js';
import { completeIfDone, signOutEverywhere } from './registration-service.js';

const PURPOSE = 'email-verify';
export const CODE_TTL_SECONDS = 10 * 60;
export const MAX_TRIES = 5;
export const RESEND_COOLDOWN_SECONDS = 30;

const emailSchema = z.email().max(254);

/** An address as a member may type it (full-width with a Japanese IME, stray spaces); null when it is not one. */
export function parseEmailAddress(input: string): string | null {
  const email = input.normalize('NFKC').trim();
  return emailSchema.safeParse(email).success ? email : null;
}

const hashCode = (memberId: string, code: string) => createHash('sha256').update(`${PURPOSE}:${memberId}:${code}`).digest('hex');

export type StartResult = { status: 'sent' } | { status: 'invalid' } | { status: 'cooldown'; retryAfterSeconds: number };
/** `lockoutTriesLeft`: the tries left before the account locks (a wrong code counts towards the lockout too). */
export type ConfirmResult = { status: 'ok' } | { status: 'wrong'; triesLeft: number; lockoutTriesLeft: number } | { status: 'expired' } | { status: 'too_many' } | { status: 'locked' };

/** Seed 2-7: the address is stored as verified only after the mailed 6-digit code comes back. */
export function createEmailVerification({ db, mailer, members }: { db: Knex; mailer: Mailer; members: Pick<MemberService, 'recordFailure'> }) {
  const tokens = createTokenStore(db);
  return {
    parseAddress: parseEmailAddress,

    async start(member: Member, email: string, options: { signOutAll: boolean; lang: Lang }, now = new Date()): Promise<StartResult> {
      const address = this.parseAddress(email);
      if (!address) return { status: 'invalid' };
      const last = await tokens.latest(member.id, PURPOSE);
      const wait = last ? Math.ceil((last.createdAt.getTime() + RESEND_COOLDOWN_SECONDS * 1000 - now.getTime()) / 1000) : 0;
      if (wait > 0) return { status: 'cooldown', retryAfterSeconds: wait };
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await db.transaction(async (trx) => {
        const store = createTokenStore(trx);
        await store.retire(member.id, PURPOSE, now);
        await store.insert({ purpose: PURPOSE, memberId: member.id, tokenHash: hashCode(member.id, code), data: { email: address, signOutAll: options.signOutAll }, expiresAt: new Date(now.getTime() + CODE_TTL_SECONDS * 1000) }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'registration.email_code_sent', memberId: member.id });
      });
      const t = translator(options.lang);
      await mailer.send({ to: address, subject: t('mail.email_code.subject'), text: t('mail.email_code.body', { code, minutes: CODE_TTL_SECONDS / 60 }) });
      return { status: 'sent' };
    },

    /** Withdraws the code sent, so that another address can be given. */
    async cancel(member: Member, now = new Date()): Promise<void> {
      await tokens.retire(member.id, PURPOSE, now);
    },

    /** The address waiting for its code, if any. */
    async pending(member: Member, now = new Date()): Promise<string | null> {
      const last = await tokens.latest(member.id, PURPOSE);
      return last && !last.usedAt && last.expiresAt > now ? String(last.data.email) : null;
    },

    async confirm(member: Member, input: string, now = new Date()): Promise<ConfirmResult> {
      const last = await tokens.latest(member.id, PURPOSE);
      if (!last || last.usedAt || last.expiresAt <= now) return { status: 'expired' };
      if (last.attempts >= MAX_TRIES) return { status: 'too_many' };
      const code = input.normalize('NFKC').replace(/\s/g, '');
      if (hashCode(member.id, code) !== last.tokenHash) {
        await tokens.addAttempt(last.id);
        const failure = await members.recordFailure(member, 'email-code');
        if (failure.locked) return { status: 'locked' };
        const triesLeft = MAX_TRIES - last.attempts - 1;
        return triesLeft > 0 ? { status: 'wrong', triesLeft, lockoutTriesLeft: failure.triesLeft } : { status: 'too_many' };
      }
      return db.transaction(async (trx): Promise<ConfirmResult> => {
        if (!(await createTokenStore(trx).markUsed(last.id, now))) return { status: 'expired' };
        await createMemberStore(trx).update(member.id, { email: String(last.data.email), emailVerifiedAt: now }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'registration.email_verified', memberId: member.id });
        if (last.data.signOutAll === true) await signOutEverywhere(trx, member.id);
        await completeIfDone(trx, member.id, now);
        return { status: 'ok' };
      });
    },
  };
}

export type EmailVerification = ReturnType<typeof createEmailVerification>;

import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { createAuditStore } from '../db/audit-store.js';
import { createMemberStore, type Member } from '../db/member-store.js';
import { createTokenStore, type SingleUseToken } from '../db/token-store.js';
import type { ThrottleStore } from '../db/throttle-store.js';
import { translator, type Lang } from '../i18n.js';
import type { Mail, Mailer } from '../mail/mailer.js';
import { normaliseLoginId } from './login-id.js';
import type { PasswordHasher } from './password.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';
import { signOutEverywhere } from './registration-service.js';
import { createRateLimit } from './throttle.js';

const PURPOSE = 'password-reset';
export const RESET_TTL_SECONDS = 30 * 60;
/** Recovery mails per member (or address) and hour: enough to try again, too few to flood a mailbox. */
export const MAILS_PER_HOUR = 5;
/** 32 random bytes in base64url: what a reset link carries. */
export const RESET_TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const hashToken = (token: string) => sha256(`${PURPOSE}:${token}`);

export interface RequestContext {
  /** The language of the page the request came from; the mail is written in it. */
  lang: Lang;
  ip?: string;
}

export type LinkProblem = 'invalid' | 'locked' | 'initial';
export type LinkCheck = { status: 'ok'; member: Member } | { status: LinkProblem };
export type ResetResult = { status: 'ok' } | { status: LinkProblem } | { status: 'refused'; problem: PasswordProblem | 'password.same_as_current'; loginId: string };

/**
 * Whether the initial password (symbol + number + birth date) is still in force: the
 * member has not finished first registration, or an operator reset the password. Such a
 * member is not sent a reset link: setting a password here would skip the registration
 * steps that come with it, and the password they need is one they can work out from their
 * insurance card. The mail (and a link issued before an operator's reset) says so instead.
 */
const hasInitialPassword = (member: Member) => member.passwordHash === null || member.mustChangePassword;

/**
 * Forgotten user ID and password (seed FAQ Q1, Q2), by mail to a verified address only.
 * Every request gets the same answer whatever is known about it; the mail is sent after
 * the answer, so that not even its delay tells a stranger whether the ID or address exists.
 */
export function createRecoveryService({ db, hasher, mailer, throttleStore, config }: { db: Knex; hasher: PasswordHasher; mailer: Mailer; throttleStore: ThrottleStore; config: Pick<Config, 'issuer'> }) {
  const members = createMemberStore(db);
  const tokens = createTokenStore(db);
  const audit = createAuditStore(db);
  const mailLimit = createRateLimit({ store: throttleStore, name: 'recovery-mail', limit: MAILS_PER_HOUR });
  const inFlight = new Set<Promise<void>>();

  /** Counts a mail to `key`; false once the key has had its share this hour. */
  const mayMail = async (key: string, now: Date) => {
    if ((await mailLimit.blockedFor(key, now)) > 0) return false;
    await mailLimit.hit(key, now);
    return true;
  };

  /** Sends after the answer; a failure is kept in the audit log (the member will simply ask again). */
  const sendLater = (mail: Mail, memberId: string) => {
    const delivery: Promise<void> = mailer
      .send(mail)
      .catch((error: unknown) =>
        audit.record({ actor: 'system', event: 'recovery.mail_failed', memberId, details: { error: String((error as { code?: unknown }).code ?? 'send_failed') } }),
      )
      .catch(() => undefined)
      .finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  };

  const findLink = async (token: string, now: Date): Promise<{ token: SingleUseToken; member: Member } | { status: LinkProblem }> => {
    const stored = RESET_TOKEN_FORMAT.test(token) ? await tokens.findByHash(hashToken(token)) : undefined;
    if (!stored || stored.purpose !== PURPOSE || stored.usedAt || stored.expiresAt <= now) return { status: 'invalid' };
    const member = await members.findById(stored.memberId);
    if (!member || member.disabledAt) return { status: 'invalid' };
    if (member.lockedAt) return { status: 'locked' };
    if (hasInitialPassword(member)) return { status: 'initial' };
    return { token: stored, member };
  };

  return {
    /** /forgot-id: mails every user ID registered (and verified) under the address. */
    async forgotId(address: string, context: RequestContext, now = new Date()): Promise<void> {
      const found = (await members.findByEmail(address)).filter((m) => !m.disabledAt);
      const mailed = found.length > 0 && (await mayMail(`id:${sha256(address.toLowerCase())}`, now));
      await audit.record({ actor: 'member', event: 'recovery.id_requested', memberId: found.length === 1 ? found[0]!.id : null, ip: context.ip, details: { matched: found.length, mailed } }, now);
      if (!mailed) return;
      const t = translator(context.lang);
      sendLater({ to: found[0]!.email!, subject: t('mail.forgot_id.subject'), text: t('mail.forgot_id.body', { ids: found.map((m) => m.loginId).join('\n') }) }, found[0]!.id);
    },

    /** /forgot-password: a single-use link valid for 30 minutes, to the member's verified address. */
    async forgotPassword(rawLoginId: string, context: RequestContext, now = new Date()): Promise<void> {
      const member = await members.findByLoginId(normaliseLoginId(rawLoginId));
      const reachable = member && !member.disabledAt && member.email && member.emailVerifiedAt ? member : undefined;
      const mailed = reachable ? await mayMail(`member:${reachable.id}`, now) : false;
      // What the member is sent; the audit log keeps why nothing was (the page never says).
      const outcome = !member ? 'unknown'
        : !reachable ? 'unreachable'
        : !mailed ? 'limited'
        : member.lockedAt ? 'locked'
        : hasInitialPassword(member) ? 'initial'
        : 'link';
      await audit.record({ actor: 'member', event: 'recovery.password_requested', memberId: member?.id ?? null, ip: context.ip, details: { outcome } }, now);
      if (!reachable || !mailed) return;
      const t = translator(context.lang);
      const subject = t('mail.reset.subject');
      if (outcome !== 'link') return sendLater({ to: reachable.email!, subject, text: t(`mail.reset.${outcome}`) }, reachable.id);
      const token = randomBytes(32).toString('base64url');
      await db.transaction(async (trx) => {
        // Only the newest link works.
        const store = createTokenStore(trx);
        await store.retire(reachable.id, PURPOSE, now);
        await store.insert({ purpose: PURPOSE, memberId: reachable.id, tokenHash: hashToken(token), data: {}, expiresAt: new Date(now.getTime() + RESET_TTL_SECONDS * 1000) }, now);
      });
      const link = `${config.issuer}/reset-password/${token}`;
      sendLater({ to: reachable.email!, subject, text: t('mail.reset.body', { link, minutes: RESET_TTL_SECONDS / 60 }) }, reachable.id);
    },

    /** Whether a reset link can still be used, and by whom. */
    async checkLink(token: string, now = new Date()): Promise<LinkCheck> {
      const found = await findLink(token, now);
      return 'status' in found ? found : { status: 'ok', member: found.member };
    },

    /**
     * Sets the new password under the first-registration policy, uses up the link in the
     * same transaction, and ends every session, grant and token of the member: whoever
     * knew the old password is out.
     */
    async resetPassword(token: string, password: string, confirm: string, context: { ip?: string } = {}, now = new Date()): Promise<ResetResult> {
      const found = await findLink(token, now);
      if ('status' in found) return found;
      const { member } = found;
      const problem = checkNewPassword(password, confirm, member);
      if (problem) return { status: 'refused', problem, loginId: member.loginId };
      // Resetting to the same password would leave a stolen one in force while the member believes it changed.
      if (member.passwordHash && (await hasher.verify(member.passwordHash, password)).ok) {
        return { status: 'refused', problem: 'password.same_as_current', loginId: member.loginId };
      }
      const passwordHash = await hasher.hash(password); // outside the transaction: argon2 takes a while
      return db.transaction(async (trx): Promise<ResetResult> => {
        const store = createTokenStore(trx);
        if (!(await store.markUsed(found.token.id, now))) return { status: 'invalid' }; // a concurrent use won
        await store.retire(member.id, PURPOSE, now);
        await createMemberStore(trx).update(member.id, { passwordHash, passwordChangedAt: now, failedAttempts: 0 }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'member.password_recovered', memberId: member.id, ip: context.ip }, now);
        await signOutEverywhere(trx, member.id);
        return { status: 'ok' };
      });
    },

    /** Waits for the mails still being sent (at shutdown, and in tests before reading the outbox). */
    async settle(): Promise<void> {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;

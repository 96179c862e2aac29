import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { createAuditStore } from '../db/audit-store.js';
import { isUniqueViolation } from '../db/knex.js';
import { createMemberStore, type Member, type MemberKind } from '../db/member-store.js';
import { Conflict, InvalidInput, NotFound } from '../errors.js';
import { initialPassword, normaliseBirthDate, normaliseLoginId } from './login-id.js';
import type { Notifications } from './notifications.js';
import type { PasswordHasher } from './password.js';
import type { AuthEvents } from '../metrics/metrics.js';

export type LoginResult =
  | { status: 'ok'; member: Member }
  | { status: 'invalid'; triesLeft?: number }
  | { status: 'locked' };

/**
 * What a counted failure did: `locked` once the account is (or already was) locked, and
 * otherwise the tries left before it locks, for the countdown the pages show.
 */
export type FailureOutcome = { locked: true } | { locked: false; triesLeft: number };

export interface NewMemberInput {
  insurerSymbol: string;
  insuredNumber: string;
  birthDate: string;
  kind: MemberKind;
  name: string;
  email?: string | null;
  loginId?: string;
}

function sameSecret(a: string, b: string): boolean {
  // Compare digests so the lengths never differ and the comparison takes constant time.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The user ID a member gets when none is given: symbol + number + birth date (the 任意継続 rule). */
export function defaultLoginId(input: { insurerSymbol: string; insuredNumber: string; birthDate: string }): string {
  return normaliseLoginId(initialPassword(input));
}

export interface MemberServiceDeps {
  db: Knex;
  hasher: PasswordHasher;
  config: Pick<Config, 'lockoutThreshold'>;
  /** Tells the member their account was locked (src/members/notifications.ts). */
  notify?: Pick<Notifications, 'locked'>;
  /** Failures and lockouts, for the metrics. */
  metrics?: Pick<AuthEvents, 'failed' | 'lockedOut'>;
}

export function createMemberService({ db, hasher, config, notify, metrics }: MemberServiceDeps) {
  const members = createMemberStore(db);
  const audit = createAuditStore(db);

  return {
    /** Step 1 of the journey. Every failure looks the same to the member, and takes the same time. */
    async login(rawLoginId: string, password: string, context: { ip?: string; clientId?: string } = {}): Promise<LoginResult> {
      const member = await members.findByLoginId(normaliseLoginId(rawLoginId));
      if (!member) {
        await hasher.decoy(password);
        metrics?.failed('unknown_id');
        return { status: 'invalid' };
      }
      let ok: boolean;
      let rehash = false;
      if (member.passwordHash === null) {
        await hasher.decoy(password);
        ok = sameSecret(password, initialPassword(member));
      } else {
        ({ ok, rehash } = await hasher.verify(member.passwordHash, password));
      }
      if (member.lockedAt || member.disabledAt) {
        metrics?.failed(member.disabledAt ? 'disabled' : 'locked');
        await audit.record({ actor: 'member', event: 'login.refused', memberId: member.id, ip: context.ip, clientId: context.clientId, details: { reason: member.disabledAt ? 'disabled' : 'locked' } });
        return member.lockedAt ? { status: 'locked' } : { status: 'invalid' };
      }
      if (!ok) {
        const failure = await this.recordFailure(member, 'password', context);
        return failure.locked ? { status: 'locked' } : { status: 'invalid', triesLeft: failure.triesLeft };
      }
      // A right password alone does not reset the failures: only a login completed with every factor does.
      const event = { actor: 'member', event: 'login.password', memberId: member.id, ip: context.ip, clientId: context.clientId } as const;
      if (rehash) {
        const passwordHash = await hasher.hash(password);
        await db.transaction(async (trx) => {
          await createMemberStore(trx).update(member.id, { passwordHash });
          await createAuditStore(trx).record({ ...event, details: { rehashed: true } });
        });
      } else {
        await audit.record(event); // one statement: no transaction around it
      }
      return { status: 'ok', member };
    },

    /**
     * Counts a failed password, birth date, e-mail code, authenticator code or recovery code
     * on the member's one consecutive-failure counter; the count and the lock are one
     * conditional write (see the store), never a read followed by a write.
     */
    async recordFailure(member: Member, factor: string, context: { ip?: string; clientId?: string } = {}): Promise<FailureOutcome> {
      const { outcome, newlyLocked } = await db.transaction(async (trx) => {
        const counted = await createMemberStore(trx).recordFailure(member.id, config.lockoutThreshold);
        const audit = createAuditStore(trx);
        if (!counted) {
          await audit.record({ actor: 'member', event: 'login.refused', memberId: member.id, ip: context.ip, clientId: context.clientId, details: { factor, reason: 'locked' } });
          return { outcome: { locked: true } as FailureOutcome, newlyLocked: false };
        }
        await audit.record({ actor: 'member', event: counted.locked ? 'member.locked' : 'login.failed', memberId: member.id, ip: context.ip, clientId: context.clientId, details: { factor, failedAttempts: counted.failedAttempts } });
        const outcome: FailureOutcome = counted.locked ? { locked: true } : { locked: false, triesLeft: config.lockoutThreshold - counted.failedAttempts };
        return { outcome, newlyLocked: counted.locked };
      });
      metrics?.failed(factor);
      if (newlyLocked) metrics?.lockedOut();
      // Only the failure that locked the account tells the member, never one refused after it.
      if (newlyLocked) await notify?.locked(member);
      return outcome;
    },

    /**
     * A login completed with every factor it needs: only now do the consecutive failures
     * start again. `member` as read in this request: with no failures then, there is no
     * write (a failure counted since stays counted, the safe side).
     */
    loginCompleted: async (member: Member) => {
      if (member.failedAttempts > 0) await members.clearFailures(member.id);
    },

    find: (id: string) => members.findById(id),

    async findByLoginId(rawLoginId: string): Promise<Member> {
      const member = await members.findByLoginId(normaliseLoginId(rawLoginId));
      if (!member) throw new NotFound('errors.member_not_found', `no member with user ID ${rawLoginId}`, { login_id: rawLoginId });
      return member;
    },

    list: (options?: { limit?: number; offset?: number }) => members.list(options),

    /** Registers a member with the initial password; first registration is then required. */
    async add(input: NewMemberInput, actor: 'operator' | 'system' = 'operator'): Promise<{ member: Member; initialPassword: string }> {
      const birthDate = normaliseBirthDate(input.birthDate);
      if (!birthDate) throw new InvalidInput('errors.birth_date_invalid', `birth date ${input.birthDate} is not a real date (YYYYMMDD)`, { birth_date: input.birthDate });
      const fields = { ...input, birthDate };
      const loginId = input.loginId ? normaliseLoginId(input.loginId) : defaultLoginId(fields);
      const id = randomUUID();
      try {
        await db.transaction(async (trx) => {
          await createMemberStore(trx).insert({ id, loginId, insurerSymbol: input.insurerSymbol, insuredNumber: input.insuredNumber, birthDate, kind: input.kind, name: input.name, email: input.email ?? null });
          await createAuditStore(trx).record({ actor, event: 'member.added', memberId: id });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new Conflict('errors.member_exists', `a member with user ID ${loginId} or symbol ${input.insurerSymbol} / number ${input.insuredNumber} already exists`, { login_id: loginId, symbol: input.insurerSymbol, number: input.insuredNumber });
        throw error;
      }
      const member = (await members.findById(id))!;
      return { member, initialPassword: initialPassword(member) };
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;

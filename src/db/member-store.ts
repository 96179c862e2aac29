import type { Knex } from 'knex';
import { dbTime, toDate } from './knex.js';

export type MemberKind = 'regular' | 'voluntary';
export type MfaMethod = 'otp' | 'webauthn';

export interface Member {
  id: string;
  loginId: string;
  insurerSymbol: string;
  insuredNumber: string;
  /** YYYY-MM-DD */
  birthDate: string;
  kind: MemberKind;
  name: string;
  email: string | null;
  emailVerifiedAt: Date | null;
  /** Null while the initial password (symbol + number + birth date) is in force. */
  passwordHash: string | null;
  mustChangePassword: boolean;
  birthdateVerifiedAt: Date | null;
  termsVersion: string | null;
  loginIdConfirmedAt: Date | null;
  passwordChangedAt: Date | null;
  registeredAt: Date | null;
  mfaMethod: MfaMethod | null;
  otpSecret: string | null;
  otpLastStep: number | null;
  failedAttempts: number;
  lockedAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewMember = Pick<Member, 'id' | 'loginId' | 'insurerSymbol' | 'insuredNumber' | 'birthDate' | 'kind' | 'name' | 'email'>;
export type MemberPatch = Partial<Omit<Member, 'id' | 'createdAt' | 'updatedAt'>>;

const columns: Record<keyof Member, string> = {
  id: 'id',
  loginId: 'login_id',
  insurerSymbol: 'insurer_symbol',
  insuredNumber: 'insured_number',
  birthDate: 'birth_date',
  kind: 'kind',
  name: 'name',
  email: 'email',
  emailVerifiedAt: 'email_verified_at',
  passwordHash: 'password_hash',
  mustChangePassword: 'must_change_password',
  birthdateVerifiedAt: 'birthdate_verified_at',
  termsVersion: 'terms_version',
  loginIdConfirmedAt: 'login_id_confirmed_at',
  passwordChangedAt: 'password_changed_at',
  registeredAt: 'registered_at',
  mfaMethod: 'mfa_method',
  otpSecret: 'otp_secret',
  otpLastStep: 'otp_last_step',
  failedAttempts: 'failed_attempts',
  lockedAt: 'locked_at',
  disabledAt: 'disabled_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

const dateFields = new Set<keyof Member>(['emailVerifiedAt', 'birthdateVerifiedAt', 'loginIdConfirmedAt', 'passwordChangedAt', 'registeredAt', 'lockedAt', 'disabledAt', 'createdAt', 'updatedAt']);

function toRow(patch: Partial<Member>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    row[columns[key as keyof Member]] = dateFields.has(key as keyof Member) && value !== null ? dbTime(value as Date) : value;
  }
  return row;
}

function fromRow(row: Record<string, unknown>): Member {
  const member = {} as Record<string, unknown>;
  for (const [key, column] of Object.entries(columns)) {
    const value = row[column];
    member[key] = dateFields.has(key as keyof Member) ? toDate(value) : value;
  }
  member.mustChangePassword = Boolean(row.must_change_password);
  member.failedAttempts = Number(row.failed_attempts ?? 0);
  member.otpLastStep = row.otp_last_step == null ? null : Number(row.otp_last_step);
  return member as unknown as Member;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createMemberStore(db: Knex | Knex.Transaction) {
  const table = () => db('members');
  const isPostgres = db.client.config.client === 'pg';
  return {
    async findById(id: string): Promise<Member | undefined> {
      const row = await table().where({ id }).first();
      return row ? fromRow(row) : undefined;
    },
    async findByLoginId(loginId: string): Promise<Member | undefined> {
      const row = await table().where({ login_id: loginId }).first();
      return row ? fromRow(row) : undefined;
    },
    async findByInsured(insurerSymbol: string, insuredNumber: string): Promise<Member | undefined> {
      const row = await table().where({ insurer_symbol: insurerSymbol, insured_number: insuredNumber }).first();
      return row ? fromRow(row) : undefined;
    },
    async findByEmail(email: string): Promise<Member[]> {
      const rows = await table().whereRaw('lower(email) = ?', [email.toLowerCase()]).whereNotNull('email_verified_at');
      return rows.map(fromRow);
    },
    async list(options: { limit?: number; offset?: number } = {}): Promise<Member[]> {
      const rows = await table().orderBy('login_id').limit(options.limit ?? 1000).offset(options.offset ?? 0);
      return rows.map(fromRow);
    },
    async count(): Promise<number> {
      const [row] = await table().count({ n: '*' });
      return Number(row?.n ?? 0);
    },
    async insert(member: NewMember, now = new Date()): Promise<void> {
      await table().insert(toRow({ ...member, passwordHash: null, mustChangePassword: true, failedAttempts: 0, createdAt: now, updatedAt: now }));
    },
    /** Many members at once, e.g. for an import; callers pass a transaction so a batch is all or nothing. */
    async insertMany(newMembers: NewMember[], now = new Date()): Promise<void> {
      // SQLite builds a multi-row insert from UNION ALL selects, limited to 500 terms.
      for (const batch of chunks(newMembers, 200)) {
        await table().insert(batch.map((member) => toRow({ ...member, passwordHash: null, mustChangePassword: true, failedAttempts: 0, createdAt: now, updatedAt: now })));
      }
    },
    /**
     * Rewrites `fields` of existing members from the given records, in batches: an upsert on
     * id that always meets its row, so other columns stay as stored. One round trip per batch
     * instead of per member keeps a large import fast on a remote PostgreSQL.
     */
    async updateMany(records: Member[], fields: (keyof MemberPatch)[], now = new Date()): Promise<void> {
      const merge = [...fields.map((f) => columns[f]), 'updated_at'];
      for (const batch of chunks(records, 200)) {
        await table().insert(batch.map((m) => toRow({ ...m, updatedAt: now }))).onConflict('id').merge(merge);
      }
    },
    /** Members by symbol + number, a chunk at a time (bounded bind parameters). */
    async findManyByInsured(keys: { insurerSymbol: string; insuredNumber: string }[]): Promise<Member[]> {
      const found: Member[] = [];
      for (const batch of chunks(keys, 500)) {
        // One `symbol = ? and number in (…)` per symbol: a society has few symbols, and PostgreSQL
        // plans this far faster than hundreds of OR-ed pairs.
        const bySymbol = new Map<string, string[]>();
        for (const key of batch) {
          const numbers = bySymbol.get(key.insurerSymbol) ?? [];
          numbers.push(key.insuredNumber);
          bySymbol.set(key.insurerSymbol, numbers);
        }
        const rows = await table().where((q) => {
          for (const [symbol, numbers] of bySymbol) q.orWhere((w) => w.where({ insurer_symbol: symbol }).whereIn('insured_number', numbers));
        });
        found.push(...rows.map(fromRow));
      }
      return found;
    },
    async findManyByLoginId(loginIds: string[]): Promise<Member[]> {
      const found: Member[] = [];
      for (const batch of chunks(loginIds, 500)) found.push(...(await table().whereIn('login_id', batch)).map(fromRow));
      return found;
    },
    async update(id: string, patch: MemberPatch, now = new Date()): Promise<void> {
      await table().where({ id }).update(toRow({ ...patch, updatedAt: now }));
    },
    /**
     * Records the time step of an accepted one-time code, only if it is newer than the last
     * one: false means the code (or an older one) was already used, even by a concurrent request.
     */
    async advanceOtpStep(id: string, step: number, now = new Date()): Promise<boolean> {
      const updated = await table()
        .where({ id })
        .andWhere((q) => q.whereNull('otp_last_step').orWhere('otp_last_step', '<', step))
        .update({ otp_last_step: step, updated_at: dbTime(now) });
      return updated === 1;
    },
    /**
     * Adds one failed attempt and locks the account when it reaches `threshold`, in one
     * conditional UPDATE: concurrent failures each get their own count, and an account
     * already locked counts no more (null), so parallel guesses lock exactly at the threshold.
     */
    async recordFailure(id: string, threshold: number, now = new Date()): Promise<{ failedAttempts: number; locked: boolean } | null> {
      const rows = (await table()
        .where({ id })
        .whereNull('locked_at')
        .update({
          failed_attempts: db.raw('failed_attempts + 1'),
          // PostgreSQL types a bare parameter in a CASE as text; SQLite keeps timestamps as text anyway.
          locked_at: db.raw(`case when failed_attempts + 1 >= ? then ${isPostgres ? 'cast(? as timestamptz)' : '?'} else null end`, [threshold, dbTime(now)]),
          updated_at: dbTime(now),
        })
        .returning(['failed_attempts', 'locked_at'])) as Array<{ failed_attempts: number | string; locked_at: unknown }>;
      const row = rows[0];
      return row ? { failedAttempts: Number(row.failed_attempts), locked: row.locked_at !== null } : null;
    },
    /** A login finished with every factor it needs: the consecutive failures start again from zero. */
    async clearFailures(id: string, now = new Date()): Promise<void> {
      await table().where({ id }).whereNull('locked_at').where('failed_attempts', '>', 0).update({ failed_attempts: 0, updated_at: dbTime(now) });
    },
  };
}

export type MemberStore = ReturnType<typeof createMemberStore>;

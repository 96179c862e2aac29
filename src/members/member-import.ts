import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { createAuditStore } from '../db/audit-store.js';
import { isUniqueViolation } from '../db/knex.js';
import { createMemberStore, type Member, type MemberPatch, type NewMember } from '../db/member-store.js';
import { Conflict, InvalidInput } from '../errors.js';
import { normaliseBirthDate, normaliseLoginId } from './login-id.js';
import { defaultLoginId } from './member-service.js';

const nfkc = (v: string) => v.normalize('NFKC').trim();

/** What an operator may give for a member, from a CSV row or `members add`; keys are the CSV columns. */
export const memberFieldsSchema = z.object({
  insurer_symbol: z.string().transform(nfkc).pipe(z.string().regex(/^\d{1,8}$/, 'field.symbol')),
  insured_number: z.string().transform(nfkc).pipe(z.string().regex(/^\d{1,16}$/, 'field.number')),
  birth_date: z.string().transform((v, ctx) => {
    const date = normaliseBirthDate(v);
    if (!date) ctx.addIssue({ code: 'custom', message: 'field.birth_date' });
    return date ?? '';
  }),
  name: z.string().trim().min(1, 'field.name_required').max(128, 'field.name_long'),
  email: z.string().trim().transform((v) => v || null).pipe(z.email('field.email').max(254, 'field.email_long').nullable()),
  kind: z.string().trim().transform((v) => v || 'regular').pipe(z.enum(['regular', 'voluntary'], 'field.kind')),
  // Imported IDs are kept as they are (a 任意継続 ID is 15+ characters); only the 8–13 rule for new IDs is skipped.
  login_id: z.string().transform(normaliseLoginId).pipe(z.string().regex(/^[a-z0-9\-_.@]{0,64}$/, 'field.login_id')).transform((v) => v || null),
});
// Each issue's message is a message code (locales/cli/): `column` and `got` are its parameters.

export type MemberFields = z.output<typeof memberFieldsSchema>;

export const CSV_COLUMNS = ['insurer_symbol', 'insured_number', 'birth_date', 'login_id', 'email', 'kind', 'name'] as const;
const REQUIRED_COLUMNS = ['insurer_symbol', 'insured_number', 'birth_date', 'name'];

/** A message code and its parameters; the operator CLI says it in the operator's language. */
export interface ProblemText {
  code: string;
  params?: Record<string, string | number>;
}

export interface ImportProblem extends ProblemText {
  /** CSV line, 1 being the header. */
  line: number;
  /** A row's or the header's several faults, reported as one problem of that line. */
  issues?: ProblemText[];
}

/** An import with any bad row imports nothing; every problem is reported at once. */
export class ImportRejected extends InvalidInput {
  constructor(readonly problems: ImportProblem[]) {
    super('errors.import_rejected', `${problems.length} problem${problems.length === 1 ? '' : 's'} found; nothing was imported`, { count: problems.length });
  }
}

/** A field's zod issues as problem texts: the column, the value given, and the rule it broke. */
export function fieldIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], raw: Record<string, unknown>, columnName = (c: string) => c): ProblemText[] {
  return issues.map((i) => {
    const column = String(i.path[0]);
    return { code: i.message, params: { column: columnName(column), got: JSON.stringify(raw[column] ?? '') } };
  });
}

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  dryRun: boolean;
}

export interface ImportOptions {
  dryRun?: boolean;
  /** Where the rows came from, for the audit log (a file name, never contents). */
  source?: string;
  onProgress?: (written: number, total: number) => void;
}

interface Row {
  line: number;
  fields: MemberFields;
}

/** The columns an import owns; password, registration and lockout state are the member's. */
const IMPORTED_FIELDS: (keyof MemberPatch)[] = ['loginId', 'birthDate', 'kind', 'name', 'email'];

const insuredKey = (symbol: string, number: string) => `${symbol}/${number}`;

/** Parses and checks each row on its own, then duplicates of symbol + number inside the file. */
export function parseMemberCsv(text: string): { rows: Row[]; problems: ImportProblem[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (error) {
    const e = error as { lines?: number; message?: string };
    throw new ImportRejected([{ line: e.lines ?? 0, code: 'import.not_csv', params: { reason: e.message ?? '' } }]);
  }
  const [header, ...body] = records;
  const expected = CSV_COLUMNS.join(',');
  if (!header) throw new ImportRejected([{ line: 1, code: 'import.empty', params: { expected } }]);
  const columns = header.record.map((c) => c.trim().toLowerCase());
  const headerProblems: ProblemText[] = [
    ...REQUIRED_COLUMNS.filter((c) => !columns.includes(c)).map((column) => ({ code: 'import.missing_column', params: { column } })),
    ...columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c)).map((c) => ({ code: 'import.unknown_column', params: { column: JSON.stringify(c) } })),
    ...columns.filter((c, i) => columns.indexOf(c) !== i).map((column) => ({ code: 'import.column_twice', params: { column } })),
  ];
  if (headerProblems.length > 0) {
    throw new ImportRejected([{ line: 1, code: 'import.header', params: { expected }, issues: headerProblems }]);
  }

  const rows: Row[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of body) {
    // info.lines is where the record ends; a quoted field may span lines.
    const line = info.lines - record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0);
    if (record.length !== columns.length) {
      problems.push({ line, code: 'import.field_count', params: { fields: record.length, columns: columns.length } });
      continue;
    }
    const raw = Object.fromEntries(CSV_COLUMNS.map((c) => [c, record[columns.indexOf(c)] ?? '']));
    // Duplicates are looked for even in rows with other faults, so one run reports everything.
    const key = insuredKey(nfkc(raw.insurer_symbol ?? ''), nfkc(raw.insured_number ?? ''));
    const first = seen.get(key);
    if (first) problems.push({ line, code: 'import.duplicate_insured', params: { symbol: raw.insurer_symbol ?? '', number: raw.insured_number ?? '', first } });
    else seen.set(key, line);
    const parsed = memberFieldsSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push({ line, code: 'import.row', issues: fieldIssues(parsed.error.issues, raw) });
    }
    if (first || !parsed.success) continue;
    rows.push({ line, fields: parsed.data });
  }
  return { rows, problems };
}

/** What an existing member's row changes; blank e-mail and login_id keep the stored ones. */
function changesFor(current: Member, fields: MemberFields, loginId: string): MemberPatch {
  const patch: MemberPatch = {};
  if (current.name !== fields.name) patch.name = fields.name;
  if (current.kind !== fields.kind) patch.kind = fields.kind;
  if (current.birthDate !== fields.birth_date) patch.birthDate = fields.birth_date;
  if (current.loginId !== loginId) patch.loginId = loginId;
  if (fields.email !== null && current.email !== fields.email) {
    patch.email = fields.email;
    // The member confirmed the old address by code (step 6); the new one is not confirmed.
    patch.emailVerifiedAt = null;
  }
  return patch;
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

interface Target extends Row {
  current: Member | undefined;
  loginId: string;
}

/** A user ID may appear once in the file and must not belong to a different member already. */
function loginIdProblems(targets: Target[], owners: Map<string, Member>): ImportProblem[] {
  const problems: ImportProblem[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, loginId, current } of targets) {
    const first = firstLine.get(loginId);
    const owner = owners.get(loginId);
    if (first) problems.push({ line, code: 'import.duplicate_login_id', params: { login_id: loginId, first } });
    else if (owner && owner.id !== current?.id) problems.push({ line, code: 'import.login_id_taken', params: { login_id: loginId, symbol: owner.insurerSymbol, number: owner.insuredNumber } });
    if (!first) firstLine.set(loginId, line);
  }
  return problems;
}

export function createMemberImport({ db }: { db: Knex }) {
  return {
    /**
     * Upserts members by symbol + number in one transaction. Existing members keep their
     * password and registration state. Initial passwords are derived, not hashed, so a
     * large roster costs batched SQL only.
     */
    async importCsv(text: string, options: ImportOptions = {}): Promise<ImportSummary> {
      const { rows, problems } = parseMemberCsv(text);
      try {
        return await db.transaction(async (trx) => {
          const store = createMemberStore(trx);
          const existing = await store.findManyByInsured(rows.map((r) => ({ insurerSymbol: r.fields.insurer_symbol, insuredNumber: r.fields.insured_number })));
          const byKey = new Map(existing.map((m) => [insuredKey(m.insurerSymbol, m.insuredNumber), m]));
          const targets: Target[] = rows.map(({ line, fields }) => {
            const current = byKey.get(insuredKey(fields.insurer_symbol, fields.insured_number));
            const loginId = fields.login_id ?? current?.loginId ?? defaultLoginId({ insurerSymbol: fields.insurer_symbol, insuredNumber: fields.insured_number, birthDate: fields.birth_date });
            return { line, fields, current, loginId };
          });
          const owners = await store.findManyByLoginId([...new Set(targets.map((t) => t.loginId))]);
          problems.push(...loginIdProblems(targets, new Map(owners.map((m) => [m.loginId, m]))));
          if (problems.length > 0) throw new ImportRejected(problems.sort((a, b) => a.line - b.line));

          const inserts: NewMember[] = [];
          const updates: { member: Member; emailChanged: boolean }[] = [];
          for (const { fields: f, current, loginId } of targets) {
            const patch = current ? changesFor(current, f, loginId) : {};
            if (!current) inserts.push({ id: randomUUID(), loginId, insurerSymbol: f.insurer_symbol, insuredNumber: f.insured_number, birthDate: f.birth_date, kind: f.kind, name: f.name, email: f.email });
            else if (Object.keys(patch).length > 0) updates.push({ member: { ...current, ...patch }, emailChanged: 'email' in patch });
          }
          const counts = { rows: rows.length, created: inserts.length, updated: updates.length, unchanged: rows.length - inserts.length - updates.length };
          if (options.dryRun) return { ...counts, dryRun: true };

          let written = 0;
          const progress = (count: number) => options.onProgress?.((written += count), inserts.length + updates.length);
          for (const batch of chunks(updates, 1000)) {
            // Only a changed address loses its confirmation; the others keep the stored one.
            await store.updateMany(batch.filter((u) => u.emailChanged).map((u) => u.member), [...IMPORTED_FIELDS, 'emailVerifiedAt']);
            await store.updateMany(batch.filter((u) => !u.emailChanged).map((u) => u.member), IMPORTED_FIELDS);
            progress(batch.length);
          }
          for (const batch of chunks(inserts, 1000)) {
            await store.insertMany(batch);
            progress(batch.length);
          }
          await createAuditStore(trx).record({ actor: 'operator', event: 'members.imported', details: { ...counts, source: options.source } });
          return { ...counts, dryRun: false };
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new Conflict('errors.import_conflict', 'another change to the members collided with this import; nothing was imported, run it again');
        throw error;
      }
    },
  };
}

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Member } from '../db/member-store.js';
import { InvalidInput } from '../errors.js';
import { CSV_COLUMNS, createMemberImport, memberFieldsSchema, type ImportSummary } from '../members/member-import.js';
import { fields, positiveInt, run, table, withJson, type JsonFlag } from './output.js';

/** What an operator may see of a member: a whitelist, so no hash or secret can slip through. */
function describeMember(m: Member) {
  return {
    id: m.id,
    login_id: m.loginId,
    insurer_symbol: m.insurerSymbol,
    insured_number: m.insuredNumber,
    birth_date: m.birthDate,
    kind: m.kind,
    name: m.name,
    email: m.email,
    registration: m.registeredAt ? 'registered' : 'pending',
    initial_password_in_force: m.passwordHash === null,
    must_change_password: m.mustChangePassword,
    birthdate_verified_at: m.birthdateVerifiedAt,
    terms_version: m.termsVersion,
    login_id_confirmed_at: m.loginIdConfirmedAt,
    password_changed_at: m.passwordChangedAt,
    email_verified_at: m.emailVerifiedAt,
    registered_at: m.registeredAt,
    mfa_method: m.mfaMethod,
    failed_attempts: m.failedAttempts,
    locked_at: m.lockedAt,
    disabled_at: m.disabledAt,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

const state = (m: Member) => (m.disabledAt ? 'disabled' : m.lockedAt ? 'locked' : m.registeredAt ? 'registered' : 'pending');

interface AddFlags extends JsonFlag {
  symbol: string;
  number: string;
  birthDate: string;
  name: string;
  kind: string;
  email?: string;
  loginId?: string;
}

const FLAG_OF: Record<string, string> = { insurer_symbol: '--symbol', insured_number: '--number', birth_date: '--birth-date', name: '--name', email: '--email', kind: '--kind', login_id: '--login-id' };

function parseAddFlags(flags: AddFlags) {
  const raw = { insurer_symbol: flags.symbol, insured_number: flags.number, birth_date: flags.birthDate, name: flags.name, email: flags.email ?? '', kind: flags.kind, login_id: flags.loginId ?? '' };
  const parsed = memberFieldsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => {
    const key = String(i.path[0]);
    return `${FLAG_OF[key] ?? key} ${i.message} (got ${JSON.stringify(raw[key as keyof typeof raw])})`;
  });
  throw new InvalidInput('errors.invalid_input', problems.join('; '));
}

/** The CSV as text; Excel's "CSV UTF-8" is expected, and anything else is refused rather than garbled. */
function readCsv(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new InvalidInput('errors.file_unreadable', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidInput('errors.file_encoding', `${file} is not UTF-8 text (save it as "CSV UTF-8")`);
  }
}

function progressOnTty(): ((written: number, total: number) => void) | undefined {
  // Progress is for a person watching; logs and --json consumers get only the summary.
  if (!process.stderr.isTTY) return undefined;
  return (written, total) => process.stderr.write(`\rwriting ${written}/${total}${written === total ? '\n' : ''}`);
}

function summaryText(s: ImportSummary): string {
  return s.dryRun
    ? `dry run: ${s.rows} rows are valid; would create ${s.created}, update ${s.updated}, leave ${s.unchanged} unchanged. Nothing was written.`
    : `imported ${s.rows} rows: created ${s.created}, updated ${s.updated}, unchanged ${s.unchanged}`;
}

export function registerMembers(program: Command): void {
  const members = program.command('members').description('members (被保険者) and their accounts');

  withJson(
    members
      .command('add')
      .description('register one member with the initial password (symbol + number + birth date); first registration is then required')
      .requiredOption('--symbol <digits>', 'insurer symbol (記号)')
      .requiredOption('--number <digits>', 'insured number (番号)')
      .requiredOption('--birth-date <YYYYMMDD>', 'birth date')
      .requiredOption('--name <name>', 'full name')
      .option('--kind <kind>', 'regular or voluntary (任意継続)', 'regular')
      .option('--email <address>', 'e-mail address on file (the member confirms their own at registration)')
      .option('--login-id <id>', 'user ID (default: symbol + number + birth date)'),
  ).action((flags: AddFlags) =>
    run(flags, async (services) => {
      const f = parseAddFlags(flags);
      const { member, initialPassword } = await services.members.add({
        insurerSymbol: f.insurer_symbol,
        insuredNumber: f.insured_number,
        birthDate: f.birth_date,
        name: f.name,
        kind: f.kind,
        email: f.email,
        loginId: f.login_id ?? undefined,
      });
      const result = { id: member.id, login_id: member.loginId, initial_password: initialPassword };
      return { json: result, text: `${fields(result)}\nthe member logs in with these and must then complete first registration` };
    }),
  );

  withJson(members.command('show').description('show a member and their registration state (never a password or secret)').argument('<login_id>')).action(
    (loginId: string, flags: JsonFlag) =>
      run(flags, async (services) => {
        const member = describeMember(await services.members.findByLoginId(loginId));
        return { json: member, text: fields(member) };
      }),
  );

  withJson(
    members
      .command('list')
      .description('list members by user ID')
      .option('--limit <n>', 'at most this many', positiveInt(1_000_000), 100),
  ).action((flags: JsonFlag & { limit: number }) =>
    run(flags, async (services) => {
      const list = await services.members.list({ limit: flags.limit });
      return {
        json: list.map(describeMember),
        text: list.length
          ? table(['login_id', 'symbol', 'number', 'kind', 'state', 'name'], list.map((m) => [m.loginId, m.insurerSymbol, m.insuredNumber, m.kind, state(m), m.name]))
          : 'no members',
      };
    }),
  );

  withJson(
    members
      .command('import')
      .description('add or update members from a CSV file, all or nothing')
      .argument('<file>', 'UTF-8 CSV with a header row')
      .option('--dry-run', 'check every row and report what would change, writing nothing')
      .addHelpText(
        'after',
        `
Columns: ${CSV_COLUMNS.join(',')} (header row required; login_id, email and kind may be left out).
  birth_date  YYYYMMDD or YYYY-MM-DD
  kind        regular (default) or voluntary
  login_id    blank: symbol + number + birth date for a new member, the current one for an existing member
  email       blank: none for a new member, the current one for an existing member
Rows are matched to members by insurer_symbol + insured_number. Existing members keep their
password and registration state. If any row is wrong, nothing is imported and every problem
is listed with its line number (line 1 is the header).`,
      ),
  ).action((file: string, flags: JsonFlag & { dryRun?: boolean }) =>
    run(flags, async (services) => {
      const text = readCsv(file);
      const summary = await createMemberImport({ db: services.db }).importCsv(text, { dryRun: flags.dryRun, source: basename(file), onProgress: progressOnTty() });
      return { json: { dry_run: summary.dryRun, rows: summary.rows, created: summary.created, updated: summary.updated, unchanged: summary.unchanged }, text: summaryText(summary) };
    }),
  );
}

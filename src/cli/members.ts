import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Member } from '../db/member-store.js';
import { InvalidInput } from '../errors.js';
import { CSV_COLUMNS, createMemberImport, fieldIssues, memberFieldsSchema, type ImportSummary } from '../members/member-import.js';
import { decodeRoster, type RosterEncoding } from '../members/roster-text.js';
import type { Cli, JsonFlag } from './output.js';
import { renderProblem } from './problems.js';

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

function parseAddFlags(cli: Cli, flags: AddFlags) {
  const raw = { insurer_symbol: flags.symbol, insured_number: flags.number, birth_date: flags.birthDate, name: flags.name, email: flags.email ?? '', kind: flags.kind, login_id: flags.loginId ?? '' };
  const parsed = memberFieldsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = renderProblem(cli.t, { code: 'import.row', issues: fieldIssues(parsed.error.issues, raw, (c) => FLAG_OF[c] ?? c) });
  throw new InvalidInput('errors.invalid_input', problems, { problems });
}

/** The CSV as text: UTF-8 or Shift_JIS (what Japanese Excel saves); anything else is refused rather than garbled. */
function readCsv(file: string): { text: string; encoding: RosterEncoding } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const reason = (error as Error).message;
    throw new InvalidInput('errors.file_unreadable', `cannot read ${file}: ${reason}`, { file, reason });
  }
  const decoded = decodeRoster(bytes);
  if (!decoded) throw new InvalidInput('errors.file_encoding', `${file} is neither UTF-8 nor Shift_JIS text`, { file });
  return decoded;
}

function progressOnTty(cli: Cli): ((written: number, total: number) => void) | undefined {
  // Progress is for a person watching; logs and --json consumers get only the summary.
  if (!process.stderr.isTTY) return undefined;
  return (written, total) => process.stderr.write(`\r${cli.t('import.progress', { written, total, percent: Math.floor((written / Math.max(total, 1)) * 100) })}${written === total ? '\n' : ''}`);
}

function summaryText(cli: Cli, s: ImportSummary, encoding: RosterEncoding, seconds: string): string {
  const params = { rows: s.rows, created: s.created, updated: s.updated, unchanged: s.unchanged, encoding: cli.t(`encoding.${encoding}`), seconds };
  return cli.t(s.dryRun ? 'import.dry_run_summary' : 'import.summary', params);
}

export function registerMembers(program: Command, cli: Cli): void {
  const { t } = cli;
  const members = program.command('members').description(t('members.description'));

  cli.withJson(
    members
      .command('add')
      .description(t('members.add.description'))
      .requiredOption('--symbol <digits>', t('members.add.symbol'))
      .requiredOption('--number <digits>', t('members.add.number'))
      .requiredOption('--birth-date <YYYYMMDD>', t('members.add.birth_date'))
      .requiredOption('--name <name>', t('members.add.name'))
      .option('--kind <kind>', t('members.add.kind'), 'regular')
      .option('--email <address>', t('members.add.email'))
      .option('--login-id <id>', t('members.add.login_id')),
  ).action((flags: AddFlags) =>
    cli.run(flags, async (services) => {
      const f = parseAddFlags(cli, flags);
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
      return { json: result, text: `${cli.fields(result)}\n${t('members.add.next')}` };
    }),
  );

  cli.withJson(members.command('show').description(t('members.show.description')).argument('<login_id>')).action((loginId: string, flags: JsonFlag) =>
    cli.run(flags, async (services) => {
      const member = describeMember(await services.members.findByLoginId(loginId));
      return { json: member, text: cli.fields({ ...member, kind: t(`kind.${member.kind}`), registration: t(`state.${member.registration}`) }) };
    }),
  );

  cli.withJson(
    members
      .command('list')
      .description(t('members.list.description'))
      .option('--limit <n>', t('option.limit'), cli.positiveInt(1_000_000), 100),
  ).action((flags: JsonFlag & { limit: number }) =>
    cli.run(flags, async (services) => {
      const list = await services.members.list({ limit: flags.limit });
      return {
        json: list.map(describeMember),
        text: list.length
          ? cli.table(['login_id', 'insurer_symbol', 'insured_number', 'kind', 'state', 'name'], list.map((m) => [m.loginId, m.insurerSymbol, m.insuredNumber, t(`kind.${m.kind}`), t(`state.${state(m)}`), m.name]))
          : t('members.none'),
      };
    }),
  );

  cli.withJson(
    members
      .command('import')
      .description(t('members.import.description'))
      .argument('<file>', t('members.import.file'))
      .option('--dry-run', t('members.import.dry_run'))
      .addHelpText('after', `\n${t('members.import.help', { columns: CSV_COLUMNS.join(',') })}`),
  ).action((file: string, flags: JsonFlag & { dryRun?: boolean }) =>
    cli.run(flags, async (services) => {
      const started = Date.now();
      const { text, encoding } = readCsv(file);
      const summary = await createMemberImport({ db: services.db }).importCsv(text, { dryRun: flags.dryRun, source: basename(file), onProgress: progressOnTty(cli) });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      return {
        json: { dry_run: summary.dryRun, rows: summary.rows, created: summary.created, updated: summary.updated, unchanged: summary.unchanged, encoding },
        text: summaryText(cli, summary, encoding, seconds),
      };
    }),
  );
}

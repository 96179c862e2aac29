import { readFileSync } from 'node:fs';
import { Argument, type Command } from 'commander';
import { ImportRefused } from '../domain/csv-import.js';
import { IMPORT_KINDS, importNotices, type ImportKind } from '../domain/importer.js';
import { benefitFormat, eligibilityFormat, medicalExpenseFormat } from '../domain/import-formats.js';
import type { Cli, JsonFlag } from './output.js';

const COLUMNS: Record<ImportKind, { required: readonly string[]; optional: readonly string[] }> = {
  'medical-expenses': medicalExpenseFormat,
  benefits: benefitFormat,
  eligibility: eligibilityFormat,
};

function columnsHelp(): string {
  return IMPORT_KINDS.map((kind) => `  ${kind}: ${COLUMNS[kind].required.join(',')}${COLUMNS[kind].optional.length ? ` [${COLUMNS[kind].optional.join(',')}]` : ''}`).join('\n');
}

/** `notices import KIND FILE.csv`: every row is checked first; one bad row and nothing is imported. */
export function registerImport(program: Command, cli: Cli): void {
  const { t } = cli;
  cli.withJson(
    program
      .command('import')
      .description(t('import.description'))
      .addArgument(new Argument('<kind>', t('import.kind')).choices(IMPORT_KINDS))
      .argument('<file>', t('import.file'))
      .option('--dry-run', t('import.dry_run'))
      .addHelpText('after', `\n${t('import.help', { columns: columnsHelp() })}`),
  ).action(async (kind: ImportKind, file: string, flags: JsonFlag & { dryRun?: boolean }) => {
    await cli.run(flags, async (db) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        throw new ImportRefused([{ line: 0, message: t('import.unreadable', { file, reason: (error as Error).message }) }]);
      }
      const { rows } = await importNotices(db, kind, bytes, { dryRun: flags.dryRun });
      return {
        json: { kind, file, rows, imported: !flags.dryRun },
        text: t(flags.dryRun ? 'import.dry_run_done' : 'import.done', { file, rows, kind: t(`kind.${kind}`) }),
      };
    });
  });
}

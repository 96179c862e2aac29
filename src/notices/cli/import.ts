import { readFileSync } from 'node:fs';
import { Argument, type Command } from 'commander';
import { ImportRefused } from '../domain/csv-import.js';
import { IMPORT_KINDS, importNotices, type ImportKind } from '../domain/importer.js';
import { benefitFormat, eligibilityFormat, medicalExpenseFormat } from '../domain/import-formats.js';
import { run, withJson, type JsonFlag } from './output.js';

const COLUMNS: Record<ImportKind, { required: readonly string[]; optional: readonly string[] }> = {
  'medical-expenses': medicalExpenseFormat,
  benefits: benefitFormat,
  eligibility: eligibilityFormat,
};

function columnsHelp(): string {
  return IMPORT_KINDS.map((kind) => `  ${kind}: ${COLUMNS[kind].required.join(',')}${COLUMNS[kind].optional.length ? ` [${COLUMNS[kind].optional.join(',')}]` : ''}`).join('\n');
}

/** `notices import KIND FILE.csv`: every row is checked first; one bad row and nothing is imported. */
export function registerImport(program: Command): void {
  withJson(
    program
      .command('import')
      .description('import notices from a CSV file (UTF-8 or Shift_JIS, header row of column names); all rows or none')
      .addArgument(new Argument('<kind>', 'what the file holds').choices(IMPORT_KINDS))
      .argument('<file>', 'the CSV file')
      .option('--dry-run', 'check every row and import nothing')
      .addHelpText('after', `\nColumns ([optional]):\n${columnsHelp()}\nRe-importing a row (same person, month/period, institution/kind) replaces it.`),
  ).action(async (kind: ImportKind, file: string, flags: JsonFlag & { dryRun?: boolean }) => {
    await run(flags, async (db) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        throw new ImportRefused([{ line: 0, message: `cannot read ${file}: ${(error as Error).message}` }]);
      }
      const { rows } = await importNotices(db, kind, bytes, { dryRun: flags.dryRun });
      return {
        json: { kind, file, rows, imported: !flags.dryRun },
        text: flags.dryRun ? `${file}: ${rows} ${kind} rows are valid (dry run: nothing imported)` : `imported ${rows} ${kind} rows from ${file}`,
      };
    });
  });
}

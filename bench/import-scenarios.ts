import type { Knex } from 'knex';
import { CSV_COLUMNS, createMemberImport, type ImportSummary } from '../src/members/member-import.js';
import { measure, type Probes, type ScenarioResult } from './load.js';
import { summarise } from './stats.js';

/** A roster of `rows` new members under an insurer symbol no fixture uses; login IDs are left to the default rule. */
export function rosterCsv(rows: number, nameSuffix = ''): string {
  const lines = [CSV_COLUMNS.join(',')];
  const column = (row: Record<(typeof CSV_COLUMNS)[number], string>) => CSV_COLUMNS.map((c) => row[c]).join(',');
  for (let i = 1; i <= rows; i += 1) {
    const number = String(i).padStart(8, '0');
    lines.push(column({ insurer_symbol: '98765432', insured_number: number, birth_date: '19800101', login_id: '', email: `roster${i}@example.com`, kind: i % 10 === 0 ? 'voluntary' : 'regular', name: `健保 太郎${i}${nameSuffix}` }));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The CLI's import service (`kenpo members import FILE.csv`) on the server's database:
 * a new roster, the same file again (nothing changes), and the file with every name changed.
 */
export async function importScenarios(db: Knex, rows: number, probes: Probes): Promise<ScenarioResult[]> {
  const importer = createMemberImport({ db });
  const runs: { name: string; csv: string; expect: Partial<ImportSummary> }[] = [
    { name: `member import: ${rows} new`, csv: rosterCsv(rows), expect: { created: rows } },
    { name: `member import: ${rows} unchanged`, csv: rosterCsv(rows), expect: { unchanged: rows } },
    { name: `member import: ${rows} updated`, csv: rosterCsv(rows, '（改）'), expect: { updated: rows } },
  ];
  const results: ScenarioResult[] = [];
  for (const run of runs) {
    const { value, use } = await measure(probes, async () => {
      try {
        const summary = await importer.importCsv(run.csv, { source: 'bench-roster.csv' });
        const wrong = Object.entries(run.expect).filter(([key, want]) => summary[key as keyof ImportSummary] !== want);
        return wrong.length ? `unexpected summary ${JSON.stringify(summary)}` : undefined;
      } catch (error) {
        return (error as Error).message.split('\n')[0]!;
      }
    });
    const ms = use.seconds * 1000;
    results.push({
      name: run.name,
      unit: 'row',
      ...use,
      count: value ? 0 : rows,
      errors: value ? 1 : 0,
      perSecond: value ? 0 : rows / use.seconds,
      latencyMs: summarise([ms]),
      errorMessages: value ? { [value]: 1 } : {},
    });
  }
  return results;
}

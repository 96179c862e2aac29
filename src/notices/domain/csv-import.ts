import { parse } from 'csv-parse/sync';
import { z } from 'zod';

/** One refusal, naming the line of the file (the header is line 1). */
export interface LineProblem {
  line: number;
  message: string;
}

export class ImportRefused extends Error {
  constructor(readonly problems: LineProblem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.message}`).join('\n'));
    this.name = 'ImportRefused';
  }
}

/** UTF-8 (with or without BOM); a file Excel saved as Shift_JIS is read as such. */
export function decodeCsv(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    try {
      return new TextDecoder('shift_jis', { fatal: true }).decode(bytes);
    } catch {
      throw new ImportRefused([{ line: 1, message: 'the file is neither UTF-8 nor Shift_JIS text' }]);
    }
  }
}

export interface CsvFormat<T> {
  /** Every column the file must have, in any order. */
  required: readonly string[];
  optional: readonly string[];
  row: z.ZodType<T, Record<string, string>>;
  /** What makes two rows the same record (a later duplicate in one file is refused). */
  key(row: T): string;
  describeKey: string;
}

/** The line on which the quoted field left open at the end of the file began (csv-parse reports only where it gave up). */
function unclosedQuoteLine(text: string): number {
  let line = 1;
  let openedOn = 1;
  let quoted = false;
  for (const char of text) {
    if (char === '"') {
      quoted = !quoted; // a doubled quote inside a field toggles twice
      if (quoted) openedOn = line;
    } else if (char === '\n') line += 1;
  }
  return openedOn;
}

/**
 * Reads every row and validates all of them before anything is stored; throws
 * ImportRefused listing every problem, each with its line, when any row is wrong.
 */
export function readCsv<T>(bytes: Buffer, format: CsvFormat<T>): T[] {
  const text = decodeCsv(bytes);
  let parsed: Array<{ record: Record<string, string>; info: { lines: number; empty_lines: number } }>;
  try {
    parsed = parse(text, { columns: (header: string[]) => checkHeader(header, format), info: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    if (error instanceof ImportRefused) throw error;
    const e = error as { code?: string; lines?: number; message?: string };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') throw new ImportRefused([{ line: unclosedQuoteLine(text), message: 'a quoted field is not closed' }]);
    throw new ImportRefused([{ line: e.lines ?? 1, message: (e.message ?? 'unreadable CSV').replace(/ on line \d+$/, '') }]);
  }
  if (parsed.length === 0) throw new ImportRefused([{ line: 2, message: 'the file has no rows' }]);

  const problems: LineProblem[] = [];
  const rows: T[] = [];
  const seen = new Map<string, number>();
  let previousEnd = 1;
  let previousEmpty = 0;
  for (const { record, info } of parsed) {
    const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
    previousEnd = info.lines;
    previousEmpty = info.empty_lines;
    const result = format.row.safeParse(record);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push({ line, message: `${issue.path.join('.') || 'row'}: ${issue.message}` });
      continue;
    }
    const key = format.key(result.data);
    const first = seen.get(key);
    if (first !== undefined) problems.push({ line, message: `repeats line ${first} (${format.describeKey})` });
    else seen.set(key, line);
    rows.push(result.data);
  }
  if (problems.length) throw new ImportRefused(problems);
  return rows;
}

function checkHeader(header: string[], format: CsvFormat<unknown>): string[] {
  const names = header.map((h) => h.trim().toLowerCase());
  const known = new Set([...format.required, ...format.optional]);
  const problems: string[] = [];
  const missing = format.required.filter((c) => !names.includes(c));
  if (missing.length) problems.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) problems.push(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected ${[...known].join(', ')})`);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) problems.push(`column ${repeated.join(', ')} appears twice`);
  if (problems.length) throw new ImportRefused([{ line: 1, message: problems.join('; ') }]);
  return names;
}

import type { Knex } from 'knex';
import { createBenefitStore } from '../db/benefit-store.js';
import { createEligibilityStore } from '../db/eligibility-store.js';
import { createMedicalExpenseStore } from '../db/medical-expense-store.js';
import { readCsv } from './csv-import.js';
import { benefitFormat, eligibilityFormat, medicalExpenseFormat } from './import-formats.js';

export const IMPORT_KINDS = ['medical-expenses', 'benefits', 'eligibility'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/**
 * Validates every row, then stores them all in one transaction: a file with one bad row
 * changes nothing (ImportRefused names each bad line). Re-importing a row replaces it.
 */
export async function importNotices(db: Knex, kind: ImportKind, bytes: Buffer, options: { dryRun?: boolean } = {}): Promise<{ rows: number }> {
  switch (kind) {
    case 'medical-expenses': {
      const rows = readCsv(bytes, medicalExpenseFormat);
      if (!options.dryRun) await db.transaction((trx) => createMedicalExpenseStore(trx).upsert(rows));
      return { rows: rows.length };
    }
    case 'benefits': {
      const rows = readCsv(bytes, benefitFormat);
      if (!options.dryRun) await db.transaction((trx) => createBenefitStore(trx).upsert(rows));
      return { rows: rows.length };
    }
    case 'eligibility': {
      const rows = readCsv(bytes, eligibilityFormat);
      if (!options.dryRun) await db.transaction((trx) => createEligibilityStore(trx).upsert(rows));
      return { rows: rows.length };
    }
  }
}

import type { Knex } from 'knex';
import { createBenefitStore } from '../db/benefit-store.js';
import { createEligibilityStore } from '../db/eligibility-store.js';
import { createMedicalExpenseStore } from '../db/medical-expense-store.js';
import { NotFound } from '../errors.js';
import { summarizeYear, type YearSummary } from './medical-summary.js';
import type { BenefitRecord, EligibilityRecord, HouseholdKey, MedicalExpenseRecord } from './records.js';
import { taxFormCsv } from './tax-csv.js';

/** Read-only access to the household's notices; every lookup is scoped to the household. */
export function createNoticeService(db: Knex) {
  const medical = createMedicalExpenseStore(db);
  const benefits = createBenefitStore(db);
  const eligibility = createEligibilityStore(db);
  return {
    medicalYears: (key: HouseholdKey) => medical.years(key),

    async medicalYear(key: HouseholdKey, year: number): Promise<YearSummary> {
      return summarizeYear(year, await medical.forYear(key, year));
    },

    async medicalRecord(key: HouseholdKey, id: string): Promise<MedicalExpenseRecord> {
      const record = await medical.find(key, id);
      if (!record) throw new NotFound();
      return record;
    },

    async taxCsv(key: HouseholdKey, year: number): Promise<Buffer> {
      return taxFormCsv(await medical.forYear(key, year));
    },

    benefits: (key: HouseholdKey) => benefits.household(key),

    async benefit(key: HouseholdKey, id: string): Promise<BenefitRecord> {
      const record = await benefits.find(key, id);
      if (!record) throw new NotFound();
      return record;
    },

    eligibility: (key: HouseholdKey): Promise<EligibilityRecord[]> => eligibility.household(key),
  };
}

export type NoticeService = ReturnType<typeof createNoticeService>;

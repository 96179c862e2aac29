import type { Knex } from 'knex';
import type { HouseholdKey, MedicalExpenseInput, MedicalExpenseRecord, MedicalKind } from '../domain/records.js';
import { ofHousehold, upsertBatches } from './database.js';

interface Row {
  id: string;
  imported_at?: string;
  insurer_symbol: string;
  insured_number: string;
  branch_number: string;
  patient_name: string;
  service_month: string;
  institution: string;
  kind: string;
  days: number;
  total_cost: number;
  paid_amount: number;
  reimbursed_amount: number;
}

const fromRow = (r: Row): MedicalExpenseRecord => ({
  id: r.id,
  insurerSymbol: r.insurer_symbol,
  insuredNumber: r.insured_number,
  branchNumber: r.branch_number,
  patientName: r.patient_name,
  serviceMonth: r.service_month,
  institution: r.institution,
  kind: r.kind as MedicalKind,
  days: Number(r.days),
  totalCost: Number(r.total_cost),
  paidAmount: Number(r.paid_amount),
  reimbursedAmount: Number(r.reimbursed_amount),
});

export function createMedicalExpenseStore(db: Knex) {
  const table = () => db<Row>('notices_medical_expenses');
  const household = (key: HouseholdKey) => ofHousehold<Row>(db, 'notices_medical_expenses', key);
  return {
    /** One row per person, month, institution and kind: importing the same month again replaces it. */
    async upsert(rows: MedicalExpenseInput[]): Promise<void> {
      const toRow = (r: MedicalExpenseInput) => ({
        insurer_symbol: r.insurerSymbol,
        insured_number: r.insuredNumber,
        branch_number: r.branchNumber,
        patient_name: r.patientName,
        service_month: r.serviceMonth,
        institution: r.institution,
        kind: r.kind,
        days: r.days,
        total_cost: r.totalCost,
        paid_amount: r.paidAmount,
        reimbursed_amount: r.reimbursedAmount,
      });
      await upsertBatches(db, 'notices_medical_expenses', rows.map(toRow), ['insurer_symbol', 'insured_number', 'branch_number', 'service_month', 'institution', 'kind'], ['patient_name', 'days', 'total_cost', 'paid_amount', 'reimbursed_amount']);
    },

    /** The household's records of one calendar year, oldest month first. */
    async forYear(key: HouseholdKey, year: number): Promise<MedicalExpenseRecord[]> {
      const rows = await household(key)
        .andWhere('service_month', '>=', `${year}-01`)
        .andWhere('service_month', '<=', `${year}-12`)
        .orderBy([{ column: 'service_month' }, { column: 'branch_number' }, { column: 'institution' }, { column: 'kind' }]);
      return rows.map(fromRow);
    },

    /** Years with records, newest first. */
    async years(key: HouseholdKey): Promise<number[]> {
      const rows = (await household(key).distinct(db.raw('substr(service_month, 1, 4) as year'))) as unknown as Array<{ year: string }>;
      return rows.map((r) => Number(r.year)).sort((a, b) => b - a);
    },

    /** Scoped to the household: another household's id is simply not found. */
    async find(key: HouseholdKey, id: string): Promise<MedicalExpenseRecord | undefined> {
      const row = await household(key).andWhere({ id }).first();
      return row && fromRow(row);
    },
  };
}

export type MedicalExpenseStore = ReturnType<typeof createMedicalExpenseStore>;

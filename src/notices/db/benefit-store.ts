import type { Knex } from 'knex';
import type { BenefitInput, BenefitKind, BenefitRecord, HouseholdKey } from '../domain/records.js';
import { ofHousehold, upsertBatches } from './database.js';

interface Row {
  id: string;
  imported_at?: string;
  insurer_symbol: string;
  insured_number: string;
  branch_number: string;
  person_name: string;
  kind: string;
  period_from: string;
  period_to: string | null;
  amount: number;
  decided_on: string;
  paid_on: string | null;
  account_hint: string | null;
}

const fromRow = (r: Row): BenefitRecord => ({
  id: r.id,
  insurerSymbol: r.insurer_symbol,
  insuredNumber: r.insured_number,
  branchNumber: r.branch_number,
  personName: r.person_name,
  kind: r.kind as BenefitKind,
  periodFrom: r.period_from,
  periodTo: r.period_to,
  amount: Number(r.amount),
  decidedOn: r.decided_on,
  paidOn: r.paid_on,
  accountHint: r.account_hint,
});

export function createBenefitStore(db: Knex) {
  const table = () => db<Row>('notices_benefits');
  const household = (key: HouseholdKey) => ofHousehold<Row>(db, 'notices_benefits', key);
  return {
    /** One decision per person, kind, period and decision date: importing it again replaces it. */
    async upsert(rows: BenefitInput[]): Promise<void> {
      const toRow = (r: BenefitInput) => ({
        insurer_symbol: r.insurerSymbol,
        insured_number: r.insuredNumber,
        branch_number: r.branchNumber,
        person_name: r.personName,
        kind: r.kind,
        period_from: r.periodFrom,
        period_to: r.periodTo,
        amount: r.amount,
        decided_on: r.decidedOn,
        paid_on: r.paidOn,
        account_hint: r.accountHint,
      });
      await upsertBatches(db, 'notices_benefits', rows.map(toRow), ['insurer_symbol', 'insured_number', 'branch_number', 'kind', 'period_from', 'decided_on'], ['person_name', 'period_to', 'amount', 'paid_on', 'account_hint']);
    },

    /** Newest decision first. */
    async household(key: HouseholdKey): Promise<BenefitRecord[]> {
      const rows = await household(key).orderBy([{ column: 'decided_on', order: 'desc' }, { column: 'branch_number' }, { column: 'kind' }]);
      return rows.map(fromRow);
    },

    /** Scoped to the household: another household's id is simply not found. */
    async find(key: HouseholdKey, id: string): Promise<BenefitRecord | undefined> {
      const row = await household(key).andWhere({ id }).first();
      return row && fromRow(row);
    },
  };
}

export type BenefitStore = ReturnType<typeof createBenefitStore>;

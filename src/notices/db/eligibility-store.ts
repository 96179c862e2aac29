import type { Knex } from 'knex';
import type { EligibilityInput, EligibilityRecord, HouseholdKey, Relationship } from '../domain/records.js';
import { ofHousehold, upsertBatches } from './database.js';

interface Row {
  id: string;
  imported_at?: string;
  insurer_symbol: string;
  insured_number: string;
  branch_number: string;
  name: string;
  name_kana: string | null;
  birth_date: string;
  relationship: string;
  acquired_on: string;
  insurer_number: string;
  insurer_name: string;
}

const fromRow = (r: Row): EligibilityRecord => ({
  id: r.id,
  insurerSymbol: r.insurer_symbol,
  insuredNumber: r.insured_number,
  branchNumber: r.branch_number,
  name: r.name,
  nameKana: r.name_kana,
  birthDate: r.birth_date,
  relationship: r.relationship as Relationship,
  acquiredOn: r.acquired_on,
  insurerNumber: r.insurer_number,
  insurerName: r.insurer_name,
});

export function createEligibilityStore(db: Knex) {
  const table = () => db<Row>('notices_eligibility');
  return {
    /** Inserts or replaces by symbol + number + branch; the id of an existing person is kept. */
    async upsert(rows: EligibilityInput[]): Promise<void> {
      const toRow = (r: EligibilityInput) => ({
        insurer_symbol: r.insurerSymbol,
        insured_number: r.insuredNumber,
        branch_number: r.branchNumber,
        name: r.name,
        name_kana: r.nameKana,
        birth_date: r.birthDate,
        relationship: r.relationship,
        acquired_on: r.acquiredOn,
        insurer_number: r.insurerNumber,
        insurer_name: r.insurerName,
      });
      await upsertBatches(db, 'notices_eligibility', rows.map(toRow), ['insurer_symbol', 'insured_number', 'branch_number'], ['name', 'name_kana', 'birth_date', 'relationship', 'acquired_on', 'insurer_number', 'insurer_name']);
    },

    async household(key: HouseholdKey): Promise<EligibilityRecord[]> {
      const rows = await ofHousehold<Row>(db, 'notices_eligibility', key).orderBy('branch_number');
      return rows.map(fromRow);
    },
  };
}

export type EligibilityStore = ReturnType<typeof createEligibilityStore>;

import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Application, ApplicationFields, ApplicationStatus, HouseholdKey } from '../domain/records.js';
import { ofHousehold } from './database.js';

interface Row {
  id: string;
  insurer_symbol: string;
  insured_number: string;
  member_sub: string;
  branch_number: string;
  person_name: string;
  vaccinated_on: string;
  clinic: string;
  amount_paid: number;
  receipt_type: string;
  receipt_name: string;
  receipt_size: number;
  receipt: Buffer;
  status: string;
  subsidy_amount: number | null;
  reject_reason: string | null;
  created_at: string;
  submitted_at: string | null;
  decided_at: string | null;
}

/** Every column but the receipt itself, which is read only when asked for. */
const COLUMNS = [
  'id', 'insurer_symbol', 'insured_number', 'member_sub', 'branch_number', 'person_name', 'vaccinated_on', 'clinic', 'amount_paid',
  'receipt_type', 'receipt_name', 'receipt_size', 'status', 'subsidy_amount', 'reject_reason', 'created_at', 'submitted_at', 'decided_at',
] as const;

const fromRow = (r: Omit<Row, 'receipt'>): Application => ({
  id: r.id,
  insurerSymbol: r.insurer_symbol,
  insuredNumber: r.insured_number,
  memberSub: r.member_sub,
  branchNumber: r.branch_number,
  personName: r.person_name,
  vaccinatedOn: r.vaccinated_on,
  clinic: r.clinic,
  amountPaid: Number(r.amount_paid),
  receiptType: r.receipt_type,
  receiptName: r.receipt_name,
  receiptSize: Number(r.receipt_size),
  status: r.status as ApplicationStatus,
  subsidyAmount: r.subsidy_amount === null ? null : Number(r.subsidy_amount),
  rejectReason: r.reject_reason,
  createdAt: r.created_at,
  submittedAt: r.submitted_at,
  decidedAt: r.decided_at,
});

export interface DraftInput extends HouseholdKey, ApplicationFields {
  memberSub: string;
}

export interface Receipt {
  type: string;
  name: string;
  data: Buffer;
}

export type Decision = { approve: number } | { reject: string };

export function createApplicationStore(db: Knex) {
  const table = () => db<Row>('notices_applications');
  const own = (key: HouseholdKey) => ofHousehold<Row>(db, 'notices_applications', key);
  const fields = (input: DraftInput) => ({
    insurer_symbol: input.insurerSymbol,
    insured_number: input.insuredNumber,
    member_sub: input.memberSub,
    branch_number: input.branchNumber,
    person_name: input.personName,
    vaccinated_on: input.vaccinatedOn,
    clinic: input.clinic,
    amount_paid: input.amountPaid,
  });
  const receiptFields = (receipt: Receipt) => ({ receipt_type: receipt.type, receipt_name: receipt.name, receipt_size: receipt.data.length, receipt: receipt.data });

  return {
    async createDraft(input: DraftInput, receipt: Receipt, now: string): Promise<string> {
      const id = randomUUID();
      await table().insert({ id, ...fields(input), ...receiptFields(receipt), status: 'draft', created_at: now });
      return id;
    },

    /** Changes a draft the member went back to; the receipt stays unless a new one came. */
    async updateDraft(id: string, input: DraftInput, receipt: Receipt | undefined): Promise<boolean> {
      const changed = await own(input)
        .andWhere({ id, status: 'draft' })
        .update({ ...fields(input), ...(receipt ? receiptFields(receipt) : {}) });
      return changed > 0;
    },

    /** Scoped to the household: another household's id is simply not found. */
    async findOwn(key: HouseholdKey, id: string): Promise<Application | undefined> {
      const row = await own(key).andWhere({ id }).first(...COLUMNS);
      return row && fromRow(row);
    },

    async receipt(key: HouseholdKey, id: string): Promise<Receipt | undefined> {
      const row = await own(key).andWhere({ id }).first('receipt_type', 'receipt_name', 'receipt');
      return row && { type: row.receipt_type, name: row.receipt_name, data: Buffer.from(row.receipt) };
    },

    /** The member confirmed: the draft becomes a pending application. */
    async submit(key: HouseholdKey, id: string, now: string): Promise<boolean> {
      return (await own(key).andWhere({ id, status: 'draft' }).update({ status: 'pending', submitted_at: now })) > 0;
    },

    async discardDraft(key: HouseholdKey, id: string): Promise<void> {
      await own(key).andWhere({ id, status: 'draft' }).delete();
    },

    /** The household's applications, newest first (drafts are not applications yet). */
    async listOwn(key: HouseholdKey): Promise<Application[]> {
      const rows = await own(key).whereNot({ status: 'draft' }).orderBy('submitted_at', 'desc').select(...COLUMNS);
      return rows.map(fromRow);
    },

    /** Whether this person already has a live application for that day. */
    async hasDuplicate(key: HouseholdKey, branchNumber: string, vaccinatedOn: string, exceptId?: string): Promise<boolean> {
      const query = own(key).andWhere({ branch_number: branchNumber, vaccinated_on: vaccinatedOn }).whereIn('status', ['pending', 'approved']);
      if (exceptId) query.whereNot({ id: exceptId });
      return Boolean(await query.first('id'));
    },

    /** For the operator: every application, oldest submission first. */
    async list(filter: { status?: ApplicationStatus } = {}): Promise<Application[]> {
      const query = table().whereNot({ status: 'draft' }).orderBy('submitted_at').select(...COLUMNS);
      if (filter.status) query.andWhere({ status: filter.status });
      return (await query).map(fromRow);
    },

    async find(id: string): Promise<Application | undefined> {
      const row = await table().where({ id }).whereNot({ status: 'draft' }).first(...COLUMNS);
      return row && fromRow(row);
    },

    async receiptById(id: string): Promise<Receipt | undefined> {
      const row = await table().where({ id }).whereNot({ status: 'draft' }).first('receipt_type', 'receipt_name', 'receipt');
      return row && { type: row.receipt_type, name: row.receipt_name, data: Buffer.from(row.receipt) };
    },

    /** Decides a pending application; false if it was not pending (decided already, or by someone else meanwhile). */
    async decide(id: string, decision: Decision, now: string): Promise<boolean> {
      const change = 'approve' in decision
        ? { status: 'approved', subsidy_amount: decision.approve, reject_reason: null, decided_at: now }
        : { status: 'rejected', subsidy_amount: null, reject_reason: decision.reject, decided_at: now };
      return (await table().where({ id, status: 'pending' }).update(change)) > 0;
    },

    async deleteDraftsBefore(before: string): Promise<number> {
      return table().where({ status: 'draft' }).andWhere('created_at', '<', before).delete();
    },
  };
}

export type ApplicationStore = ReturnType<typeof createApplicationStore>;

import { z } from 'zod';
import type { CsvFormat } from './csv-import.js';
import {
  BENEFIT_KINDS,
  MEDICAL_KINDS,
  RELATIONSHIPS,
  type BenefitInput,
  type BenefitKind,
  type EligibilityInput,
  type MedicalExpenseInput,
  type MedicalKind,
  type Relationship,
} from './records.js';

/*
 * The operator's CSV files: English column names, one row per record. Coded values may
 * be given as the code or as the Japanese word printed on the paper notice.
 */

const text = (max: number) => z.string().trim().min(1, 'is required').max(max, `is longer than ${max} characters`);
const optionalText = (max: number) =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim() || null)
    .refine((v) => v === null || v.length <= max, `is longer than ${max} characters`);
const symbol = z.string().trim().regex(/^[0-9A-Za-z]{1,8}$/, 'must be 1–8 letters or digits');
const number = z.string().trim().regex(/^\d{1,10}$/, 'must be 1–10 digits');
const branch = z.string().trim().regex(/^\d{1,2}$/, 'must be 1–2 digits').transform((v) => v.padStart(2, '0'));
/**
 * Lets a comparison between two amounts run even when another column of the row is
 * wrong (zod skips object refinements otherwise), so that every problem of a line is named.
 */
const bothNumbers =
  (a: string, b: string) =>
  ({ value }: { value: unknown }): boolean => {
    const row = value as Record<string, unknown>;
    return typeof row[a] === 'number' && typeof row[b] === 'number';
  };

const yen = z
  .string()
  .trim()
  .transform((v) => v.replace(/,/g, ''))
  .refine((v) => /^\d{1,9}$/.test(v), 'must be a whole number of yen')
  .transform(Number);
const optionalYen = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v : '0'))
  .pipe(yen);

function isRealDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && y >= 1900 && y <= 2100;
}

/** YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, stored as YYYY-MM-DD. */
export const calendarDate = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const m = /^(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})$/.exec(v);
    if (!m || !isRealDate(Number(m[1]), Number(m[2]), Number(m[3])) || (!/[-/]/.test(v) && v.length !== 8)) {
      ctx.addIssue({ code: 'custom', message: 'must be a date like 2025-04-01' });
      return z.NEVER;
    }
    return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  });
const optionalDate = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined)
  .pipe(calendarDate.optional())
  .transform((v) => v ?? null);

/** YYYY-MM, YYYY/MM or YYYYMM. */
const month = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const m = /^(\d{4})[-/]?(\d{1,2})$/.exec(v);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || (!/[-/]/.test(v) && v.length !== 6)) {
      ctx.addIssue({ code: 'custom', message: 'must be a month like 2025-04' });
      return z.NEVER;
    }
    return `${m[1]}-${m[2]!.padStart(2, '0')}`;
  });

function coded<T extends string>(codes: readonly T[], japanese: Record<string, T>) {
  return z
    .string()
    .trim()
    .transform((v, ctx) => {
      const code = (codes as readonly string[]).includes(v.toLowerCase()) ? (v.toLowerCase() as T) : japanese[v];
      if (!code) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${codes.join(', ')} (or ${Object.keys(japanese).join('、')})` });
        return z.NEVER;
      }
      return code;
    });
}

const medicalKind = coded<MedicalKind>(MEDICAL_KINDS, { 入院: 'inpatient', 外来: 'outpatient', 入院外: 'outpatient', 歯科: 'dental', 調剤: 'pharmacy' });
const benefitKind = coded<BenefitKind>(BENEFIT_KINDS, {
  高額療養費: 'high_cost',
  付加給付: 'additional',
  一部負担還元金: 'additional',
  出産育児一時金: 'childbirth',
  傷病手当金: 'sickness',
  出産手当金: 'maternity',
  療養費: 'reimbursement',
  埋葬料: 'funeral',
  その他: 'other',
});
const relationship = coded<Relationship>(RELATIONSHIPS, { 本人: 'self', 配偶者: 'spouse', 妻: 'spouse', 夫: 'spouse', 子: 'child', 父: 'parent', 母: 'parent', 父母: 'parent', その他: 'other' });

const household = { insurer_symbol: symbol, insured_number: number, branch_number: branch };

export const medicalExpenseFormat: CsvFormat<MedicalExpenseInput> = {
  required: ['insurer_symbol', 'insured_number', 'branch_number', 'patient_name', 'service_month', 'institution', 'kind', 'days', 'total_cost', 'paid_amount'],
  optional: ['reimbursed_amount'],
  row: z
    .object({
      ...household,
      patient_name: text(100),
      service_month: month,
      institution: text(200),
      kind: medicalKind,
      days: z.string().trim().regex(/^\d{1,2}$/, 'must be a number of days').transform(Number).refine((d) => d <= 31, 'must be at most 31'),
      total_cost: yen,
      paid_amount: yen,
      reimbursed_amount: optionalYen,
    })
    .refine((r) => r.paid_amount <= r.total_cost, { path: ['paid_amount'], message: 'is more than total_cost', when: bothNumbers('paid_amount', 'total_cost') })
    .refine((r) => r.reimbursed_amount <= r.paid_amount, { path: ['reimbursed_amount'], message: 'is more than paid_amount', when: bothNumbers('reimbursed_amount', 'paid_amount') })
    .transform((r) => ({
      insurerSymbol: r.insurer_symbol,
      insuredNumber: r.insured_number,
      branchNumber: r.branch_number,
      patientName: r.patient_name,
      serviceMonth: r.service_month,
      institution: r.institution,
      kind: r.kind,
      days: r.days,
      totalCost: r.total_cost,
      paidAmount: r.paid_amount,
      reimbursedAmount: r.reimbursed_amount,
    })),
  key: (r) => JSON.stringify([r.insurerSymbol, r.insuredNumber, r.branchNumber, r.serviceMonth, r.institution, r.kind]),
  describeKey: 'same person, service_month, institution and kind',
};

export const benefitFormat: CsvFormat<BenefitInput> = {
  required: ['insurer_symbol', 'insured_number', 'branch_number', 'person_name', 'kind', 'period_from', 'amount', 'decided_on'],
  optional: ['period_to', 'paid_on', 'account_hint'],
  row: z
    .object({
      ...household,
      person_name: text(100),
      kind: benefitKind,
      period_from: calendarDate,
      period_to: optionalDate,
      amount: yen,
      decided_on: calendarDate,
      paid_on: optionalDate,
      account_hint: optionalText(100),
    })
    .refine((r) => r.period_to === null || r.period_to >= r.period_from, { path: ['period_to'], message: 'is before period_from' })
    .refine((r) => r.paid_on === null || r.paid_on >= r.decided_on, { path: ['paid_on'], message: 'is before decided_on' })
    .transform((r) => ({
      insurerSymbol: r.insurer_symbol,
      insuredNumber: r.insured_number,
      branchNumber: r.branch_number,
      personName: r.person_name,
      kind: r.kind,
      periodFrom: r.period_from,
      periodTo: r.period_to,
      amount: r.amount,
      decidedOn: r.decided_on,
      paidOn: r.paid_on,
      accountHint: r.account_hint,
    })),
  key: (r) => JSON.stringify([r.insurerSymbol, r.insuredNumber, r.branchNumber, r.kind, r.periodFrom, r.decidedOn]),
  describeKey: 'same person, kind, period_from and decided_on',
};

export const eligibilityFormat: CsvFormat<EligibilityInput> = {
  required: ['insurer_symbol', 'insured_number', 'branch_number', 'name', 'birth_date', 'relationship', 'acquired_on', 'insurer_number', 'insurer_name'],
  optional: ['name_kana'],
  row: z
    .object({
      ...household,
      name: text(100),
      name_kana: optionalText(100),
      birth_date: calendarDate,
      relationship,
      acquired_on: calendarDate,
      insurer_number: z.string().trim().regex(/^\d{6,8}$/, 'must be the 6–8 digit 保険者番号'),
      insurer_name: text(100),
    })
    .refine((r) => (r.branch_number === '00') === (r.relationship === 'self'), { path: ['relationship'], message: 'must be self (本人) exactly when branch_number is 00' })
    .refine((r) => r.acquired_on >= r.birth_date, { path: ['acquired_on'], message: 'is before birth_date' })
    .transform((r) => ({
      insurerSymbol: r.insurer_symbol,
      insuredNumber: r.insured_number,
      branchNumber: r.branch_number,
      name: r.name,
      nameKana: r.name_kana,
      birthDate: r.birth_date,
      relationship: r.relationship,
      acquiredOn: r.acquired_on,
      insurerNumber: r.insurer_number,
      insurerName: r.insurer_name,
    })),
  key: (r) => JSON.stringify([r.insurerSymbol, r.insuredNumber, r.branchNumber]),
  describeKey: 'same insurer_symbol, insured_number and branch_number',
};

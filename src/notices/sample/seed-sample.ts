import { createHash } from 'node:crypto';
import type { NoticesConfig } from '../config.js';
import { createBenefitStore } from '../db/benefit-store.js';
import { createNoticesDatabase, migrateNotices, type Knex } from '../db/database.js';
import { createEligibilityStore } from '../db/eligibility-store.js';
import { createMedicalExpenseStore } from '../db/medical-expense-store.js';
import type { BenefitInput, EligibilityInput, MedicalExpenseInput, MedicalKind } from '../domain/records.js';

export interface SampleMember {
  insurerSymbol: string;
  insuredNumber: string;
  /** e.g. 山田 太郎 (family name first; the dependants take the family name). */
  name: string;
  /** YYYY-MM-DD */
  birthDate: string;
}

export interface SeedSummary {
  eligibility: number;
  medicalExpenses: number;
  benefits: number;
}

export const SAMPLE_INSURER = { number: '06139999', name: 'サンプル健康保険組合' } as const;

/** A small deterministic generator, seeded by the member, so that seeding twice writes the same rows. */
function random(seed: string) {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

const roundTen = (n: number) => Math.round(n / 10) * 10;

function monthsEndingBefore(now: Date, count: number): string[] {
  const months: string[] = [];
  for (let i = count; i >= 1; i -= 1) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    months.push(d.toISOString().slice(0, 7));
  }
  return months;
}

function addMonths(month: string, n: number, day: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, day)).toISOString().slice(0, 10);
}

/** A year of notices for one household: the member, a spouse and a child, with one hospital stay. */
export function sampleHousehold(member: SampleMember, now: Date) {
  const rand = random(`${member.insurerSymbol}-${member.insuredNumber}`);
  const family = member.name.split(/[\s\u3000]+/)[0] ?? member.name;
  const [by] = member.birthDate.split('-').map(Number) as [number];
  const key = { insurerSymbol: member.insurerSymbol, insuredNumber: member.insuredNumber };
  const persons = [
    { branchNumber: '00', name: member.name, birthDate: member.birthDate, relationship: 'self' as const, nameKana: null, rate: 0.3 },
    { branchNumber: '01', name: `${family} 花子`, birthDate: `${by + 2}-07-21`, relationship: 'spouse' as const, nameKana: null, rate: 0.3 },
    { branchNumber: '02', name: `${family} 陽菜`, birthDate: `${now.getUTCFullYear() - 5}-05-08`, relationship: 'child' as const, nameKana: null, rate: 0.2 },
  ];
  const acquiredOn = `${Math.max(by + 22, 2010)}-04-01`;
  const eligibility: EligibilityInput[] = persons.map((p) => ({
    ...key,
    branchNumber: p.branchNumber,
    name: p.name,
    nameKana: p.nameKana,
    birthDate: p.birthDate,
    relationship: p.relationship,
    acquiredOn: p.birthDate > acquiredOn ? p.birthDate : acquiredOn,
    insurerNumber: SAMPLE_INSURER.number,
    insurerName: SAMPLE_INSURER.name,
  }));

  const months = monthsEndingBefore(now, 12);
  const stayMonth = months[4]!;
  const medical: MedicalExpenseInput[] = [];
  const visit = (p: (typeof persons)[number], month: string, institution: string, kind: MedicalKind, days: number, totalCost: number, reimbursed = 0) => {
    const total = roundTen(totalCost);
    medical.push({ ...key, branchNumber: p.branchNumber, patientName: p.name, serviceMonth: month, institution, kind, days, totalCost: total, paidAmount: roundTen(total * p.rate), reimbursedAmount: reimbursed });
  };
  const [self, spouse, child] = persons as [(typeof persons)[number], (typeof persons)[number], (typeof persons)[number]];
  for (const [i, month] of months.entries()) {
    if (rand() < 0.7) {
      visit(self, month, 'さくら内科クリニック', 'outpatient', 1 + Math.floor(rand() * 2), 4000 + rand() * 6000);
      visit(self, month, 'みどり薬局 駅前店', 'pharmacy', 1, 1500 + rand() * 4000);
    }
    if (i % 3 === 1) visit(spouse, month, 'あおば歯科医院', 'dental', 1 + Math.floor(rand() * 3), 5000 + rand() * 9000);
    if (rand() < 0.5) {
      visit(child, month, 'ひまわり小児科', 'outpatient', 1, 3000 + rand() * 4000);
      visit(child, month, 'みどり薬局 駅前店', 'pharmacy', 1, 1000 + rand() * 2000);
    }
    if (month === stayMonth) {
      // A hospital stay: 30 % of 480,000 yen is 144,000; above the monthly limit of 82,230 yen (区分ウ)
      // comes back as 高額療養費, and the society's 付加給付 pays all above 25,000 yen.
      visit(spouse, month, '市立総合病院', 'inpatient', 9, 480_000, 61_770 + 57_230);
    }
  }

  const accountHint = `サンプル銀行 本店 普通 ****${member.insuredNumber.slice(-3).padStart(3, '0')}`;
  const decidedOn = addMonths(stayMonth, 3, 20);
  const benefits: BenefitInput[] = [
    { ...key, branchNumber: spouse.branchNumber, personName: spouse.name, kind: 'high_cost', periodFrom: `${stayMonth}-01`, periodTo: addMonths(stayMonth, 1, 0), amount: 61_770, decidedOn, paidOn: addMonths(stayMonth, 3, 28), accountHint },
    { ...key, branchNumber: spouse.branchNumber, personName: spouse.name, kind: 'additional', periodFrom: `${stayMonth}-01`, periodTo: addMonths(stayMonth, 1, 0), amount: 57_230, decidedOn, paidOn: addMonths(stayMonth, 3, 28), accountHint },
  ];
  return { eligibility, medical, benefits };
}

function isKnex(target: NoticesConfig | Knex): target is Knex {
  return typeof target === 'function';
}

/**
 * Imports (idempotently: the same rows are replaced, not added) a year of sample notices
 * for each member, ending with last month. Given a configuration it opens, migrates and
 * closes the app's database; given a knex instance it migrates it and leaves it open.
 */
export async function seedSampleNotices(target: NoticesConfig | Knex, members: SampleMember[], options: { now?: Date } = {}): Promise<SeedSummary> {
  const db = isKnex(target) ? target : createNoticesDatabase(target);
  try {
    await migrateNotices(db);
    const summary: SeedSummary = { eligibility: 0, medicalExpenses: 0, benefits: 0 };
    await db.transaction(async (trx) => {
      for (const member of members) {
        const household = sampleHousehold(member, options.now ?? new Date());
        await createEligibilityStore(trx).upsert(household.eligibility);
        await createMedicalExpenseStore(trx).upsert(household.medical);
        await createBenefitStore(trx).upsert(household.benefits);
        summary.eligibility += household.eligibility.length;
        summary.medicalExpenses += household.medical.length;
        summary.benefits += household.benefits.length;
      }
    });
    return summary;
  } finally {
    if (!isKnex(target)) await db.destroy();
  }
}

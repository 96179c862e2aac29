import type { MedicalExpenseRecord } from './records.js';

export interface Totals {
  count: number;
  days: number;
  totalCost: number;
  paidAmount: number;
  reimbursedAmount: number;
}

export interface MonthGroup {
  month: string;
  records: MedicalExpenseRecord[];
  totals: Totals;
}

export interface PatientGroup {
  branchNumber: string;
  patientName: string;
  totals: Totals;
}

export interface YearSummary {
  year: number;
  months: MonthGroup[];
  patients: PatientGroup[];
  totals: Totals;
}

const zero = (): Totals => ({ count: 0, days: 0, totalCost: 0, paidAmount: 0, reimbursedAmount: 0 });

function add(totals: Totals, r: MedicalExpenseRecord): void {
  totals.count += 1;
  totals.days += r.days;
  totals.totalCost += r.totalCost;
  totals.paidAmount += r.paidAmount;
  totals.reimbursedAmount += r.reimbursedAmount;
}

/** A year's records by month (oldest first) and by patient (the insured first), with the year's totals. */
export function summarizeYear(year: number, records: MedicalExpenseRecord[]): YearSummary {
  const months = new Map<string, MonthGroup>();
  const patients = new Map<string, PatientGroup>();
  const totals = zero();
  for (const r of records) {
    const month = months.get(r.serviceMonth) ?? { month: r.serviceMonth, records: [], totals: zero() };
    month.records.push(r);
    add(month.totals, r);
    months.set(r.serviceMonth, month);
    const patient = patients.get(r.branchNumber) ?? { branchNumber: r.branchNumber, patientName: r.patientName, totals: zero() };
    add(patient.totals, r);
    patients.set(r.branchNumber, patient);
    add(totals, r);
  }
  return {
    year,
    months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
    patients: [...patients.values()].sort((a, b) => a.branchNumber.localeCompare(b.branchNumber)),
    totals,
  };
}

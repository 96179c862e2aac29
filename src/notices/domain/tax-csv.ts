import type { MedicalExpenseRecord, MedicalKind } from './records.js';

/**
 * The columns of the National Tax Agency's 医療費集計フォーム, which e-Tax and the
 * 確定申告書等作成コーナー read for the 医療費控除: one row per person, payee and kind.
 */
export const TAX_FORM_COLUMNS = [
  '医療を受けた人',
  '病院・薬局などの支払先の名称',
  '医療費の区分',
  '支払った医療費の額',
  '左のうち生命保険や社会保険などで補てんされる金額',
] as const;

/** The form's four kinds; a prescription filled at a pharmacy is 医薬品購入, the rest 診療・治療. */
const TAX_KIND: Record<MedicalKind, string> = {
  inpatient: '診療・治療',
  outpatient: '診療・治療',
  dental: '診療・治療',
  pharmacy: '医薬品購入',
};

export interface TaxFormRow {
  patient: string;
  payee: string;
  kind: string;
  paid: number;
  reimbursed: number;
}

/** Sums the year's records per patient, payee and kind, in the order they first appear. */
export function taxFormRows(records: MedicalExpenseRecord[]): TaxFormRow[] {
  const rows = new Map<string, TaxFormRow>();
  const sorted = [...records].sort((a, b) => a.branchNumber.localeCompare(b.branchNumber) || a.serviceMonth.localeCompare(b.serviceMonth));
  for (const r of sorted) {
    const kind = TAX_KIND[r.kind];
    const key = JSON.stringify([r.branchNumber, r.institution, kind]);
    const row = rows.get(key) ?? { patient: r.patientName, payee: r.institution, kind, paid: 0, reimbursed: 0 };
    row.paid += r.paidAmount;
    row.reimbursed += r.reimbursedAmount;
    rows.set(key, row);
  }
  return [...rows.values()];
}

function cell(value: string | number): string {
  let text = String(value);
  // A spreadsheet would run a text cell starting with = + - @ as a formula.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** UTF-8 with a byte-order mark and CRLF line ends, so that Excel opens the Japanese text correctly. */
export function taxFormCsv(records: MedicalExpenseRecord[]): Buffer {
  const lines = [TAX_FORM_COLUMNS.map(cell).join(',')];
  for (const row of taxFormRows(records)) lines.push([row.patient, row.payee, row.kind, row.paid, row.reimbursed].map(cell).join(','));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')]);
}

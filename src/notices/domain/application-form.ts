import { z } from 'zod';
import { cleanFileName, sniffReceiptType } from './receipt.js';
import type { ApplicationFields } from './records.js';

/** Someone the member may apply for: themselves or a dependant the data lists. */
export interface Person {
  branchNumber: string;
  name: string;
}

export interface UploadedFile {
  name: string;
  data: Buffer;
}

export type ApplicationForm = ApplicationFields;

export interface ValidReceipt {
  name: string;
  type: string;
  data: Buffer;
}

/** Field name -> locale key of the message (and its parameters) shown beside that field. */
export type FormErrors = Partial<Record<'person' | 'vaccinated_on' | 'clinic' | 'amount_paid' | 'receipt', { code: string; params?: Record<string, string | number> }>>;

export const AMOUNT_MAX = 50_000;
const OLDEST_DAYS = 365;

/** Full-width digits and the like, as a Japanese IME types them, become ASCII. */
const normalized = z.string().default('').transform((v) => v.normalize('NFKC').trim());

const fieldSchemas = {
  vaccinated_on: normalized.pipe(z.string().min(1, 'apply.error.date_required').regex(/^\d{4}-\d{2}-\d{2}$/, 'apply.error.date_invalid')),
  clinic: normalized.pipe(z.string().min(1, 'apply.error.clinic_required').max(100, 'apply.error.clinic_too_long')),
  amount_paid: normalized
    .transform((v) => v.replace(/[,円¥\\]/g, ''))
    .pipe(z.string().min(1, 'apply.error.amount_required').regex(/^\d{1,7}$/, 'apply.error.amount_invalid'))
    .transform(Number)
    .pipe(z.number().min(1, 'apply.error.amount_range').max(AMOUNT_MAX, 'apply.error.amount_range')),
};

/** Parses one field; its first problem becomes the message shown beside it. */
function field<T>(schema: z.ZodType<T, string | undefined>, value: string | undefined, name: keyof FormErrors, errors: FormErrors): T | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? '';
  const code = message.startsWith('apply.') ? message : `apply.error.${name}_invalid`;
  errors[name] = { code, params: code === 'apply.error.amount_range' ? { max: AMOUNT_MAX.toLocaleString('en-US') } : undefined };
  return undefined;
}

function isRealDate(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86400_000).toISOString().slice(0, 10);
}

/** Today in Japan, where the society and its members are. */
export function todayInJapan(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export interface ValidationContext {
  persons: Person[];
  today: string;
  receiptMaxBytes: number;
  /** A draft being corrected already holds a receipt, so a new one is optional. */
  hasReceipt: boolean;
}

/** Checks every field at once, so the member sees every problem in one go. */
export function validateApplication(
  input: Record<string, string | undefined>,
  file: UploadedFile | undefined,
  context: ValidationContext,
): { ok: true; value: ApplicationForm; receipt: ValidReceipt | undefined } | { ok: false; errors: FormErrors } {
  // Every field is checked, in the order of the form, so that the member sees every problem in one go.
  const errors: FormErrors = {};
  const person = context.persons.find((p) => p.branchNumber === (input.person ?? '').trim());
  if (!person) errors.person = { code: 'apply.error.person' };

  const date = field(fieldSchemas.vaccinated_on, input.vaccinated_on, 'vaccinated_on', errors);
  if (date !== undefined) {
    if (!isRealDate(date)) errors.vaccinated_on = { code: 'apply.error.date_invalid' };
    else if (date > context.today) errors.vaccinated_on = { code: 'apply.error.date_future' };
    else if (date < daysBefore(context.today, OLDEST_DAYS)) errors.vaccinated_on = { code: 'apply.error.date_too_old' };
  }
  const clinic = field(fieldSchemas.clinic, input.clinic, 'clinic', errors);
  const amountPaid = field(fieldSchemas.amount_paid, input.amount_paid, 'amount_paid', errors);

  let receipt: ValidReceipt | undefined;
  const maxMb = (context.receiptMaxBytes / 1024 / 1024).toFixed(0);
  if (!file || file.data.length === 0) {
    if (!context.hasReceipt) errors.receipt = { code: 'apply.error.receipt_required' };
  } else if (file.data.length > context.receiptMaxBytes) {
    errors.receipt = { code: 'apply.error.receipt_too_large', params: { max: maxMb } };
  } else {
    const type = sniffReceiptType(file.data);
    if (!type) errors.receipt = { code: 'apply.error.receipt_type' };
    else receipt = { name: cleanFileName(file.name), type, data: file.data };
  }

  if (!person || date === undefined || clinic === undefined || amountPaid === undefined || Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, value: { branchNumber: person.branchNumber, personName: person.name, vaccinatedOn: date, clinic, amountPaid }, receipt };
}

/**
 * What the app knows about a household. Records belong to the insured person's
 * 記号 (insurer symbol) + 番号 (insured number); the 枝番 (branch number) tells which
 * person of the household: 00 the insured, 01… the dependants the data lists.
 */
export interface HouseholdKey {
  readonly insurerSymbol: string;
  readonly insuredNumber: string;
}

export const MEDICAL_KINDS = ['inpatient', 'outpatient', 'dental', 'pharmacy'] as const;
export type MedicalKind = (typeof MEDICAL_KINDS)[number];

export const BENEFIT_KINDS = ['high_cost', 'additional', 'childbirth', 'sickness', 'maternity', 'reimbursement', 'funeral', 'other'] as const;
export type BenefitKind = (typeof BENEFIT_KINDS)[number];

export const RELATIONSHIPS = ['self', 'spouse', 'child', 'parent', 'other'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export const APPLICATION_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number] | 'draft';

export interface EligibilityInput extends HouseholdKey {
  branchNumber: string;
  name: string;
  nameKana: string | null;
  birthDate: string;
  relationship: Relationship;
  acquiredOn: string;
  insurerNumber: string;
  insurerName: string;
}
export interface EligibilityRecord extends EligibilityInput {
  id: string;
}

export interface MedicalExpenseInput extends HouseholdKey {
  branchNumber: string;
  patientName: string;
  /** YYYY-MM, the month of treatment (診療年月). */
  serviceMonth: string;
  institution: string;
  kind: MedicalKind;
  days: number;
  totalCost: number;
  /** What the member paid at the counter (窓口負担). */
  paidAmount: number;
  /** Of that, what was made good afterwards (高額療養費, 付加給付…). */
  reimbursedAmount: number;
}
export interface MedicalExpenseRecord extends MedicalExpenseInput {
  id: string;
}

export interface BenefitInput extends HouseholdKey {
  branchNumber: string;
  personName: string;
  kind: BenefitKind;
  periodFrom: string;
  periodTo: string | null;
  amount: number;
  decidedOn: string;
  paidOn: string | null;
  accountHint: string | null;
}
export interface BenefitRecord extends BenefitInput {
  id: string;
}

/** What the member states on a subsidy application: who, when, where, how much. */
export interface ApplicationFields {
  branchNumber: string;
  personName: string;
  vaccinatedOn: string;
  clinic: string;
  amountPaid: number;
}

export interface Application extends HouseholdKey, ApplicationFields {
  id: string;
  memberSub: string;
  receiptType: string;
  receiptName: string;
  receiptSize: number;
  status: ApplicationStatus;
  subsidyAmount: number | null;
  rejectReason: string | null;
  createdAt: string;
  submittedAt: string | null;
  decidedAt: string | null;
}

export function sameHousehold(a: HouseholdKey, b: HouseholdKey): boolean {
  return a.insurerSymbol === b.insurerSymbol && a.insuredNumber === b.insuredNumber;
}

import type { Knex } from 'knex';
import { createApplicationStore, type Decision, type Receipt } from '../db/application-store.js';
import { nowIso } from '../db/database.js';
import { createEligibilityStore } from '../db/eligibility-store.js';
import { BadRequest, NotFound } from '../errors.js';
import { todayInJapan, validateApplication, type FormErrors, type Person, type UploadedFile } from './application-form.js';
import type { Application, ApplicationStatus, HouseholdKey } from './records.js';

/** The signed-in member, as the provider describes them. */
export interface Member extends HouseholdKey {
  sub: string;
  name: string;
}

/** Drafts the member never confirmed are removed after a day. */
const DRAFT_LIFETIME_MS = 24 * 3600_000;

export function createApplicationService(db: Knex, options: { receiptMaxBytes: number; now?: () => Date }) {
  const store = createApplicationStore(db);
  const eligibility = createEligibilityStore(db);
  const now = options.now ?? (() => new Date());

  /** The member and the dependants the eligibility data lists; the member alone when there is no data yet. */
  async function persons(member: Member): Promise<Person[]> {
    const household = await eligibility.household(member);
    if (household.length === 0) return [{ branchNumber: '00', name: member.name }];
    return household.map((p) => ({ branchNumber: p.branchNumber, name: p.name }));
  }

  return {
    persons,

    /**
     * Validates the form and keeps it as a draft for the confirmation step; the receipt
     * is stored with it, so going back to correct the form need not upload it again.
     */
    async saveDraft(
      member: Member,
      input: Record<string, string | undefined>,
      file: UploadedFile | undefined,
      draftId: string | undefined,
    ): Promise<{ ok: true; id: string } | { ok: false; errors: FormErrors }> {
      const draft = draftId ? await store.findOwn(member, draftId) : undefined;
      if (draftId && draft?.status !== 'draft') throw new NotFound();
      const result = validateApplication(input, file, {
        persons: await persons(member),
        today: todayInJapan(now()),
        receiptMaxBytes: options.receiptMaxBytes,
        hasReceipt: Boolean(draft),
      });
      if (!result.ok) return result;
      if (await store.hasDuplicate(member, result.value.branchNumber, result.value.vaccinatedOn)) {
        return { ok: false, errors: { vaccinated_on: { code: 'apply.error.duplicate' } } };
      }
      const fields = { ...result.value, insurerSymbol: member.insurerSymbol, insuredNumber: member.insuredNumber, memberSub: member.sub };
      if (draft) {
        await store.updateDraft(draft.id, fields, result.receipt);
        return { ok: true, id: draft.id };
      }
      await store.deleteDraftsBefore(nowIso(new Date(now().getTime() - DRAFT_LIFETIME_MS)));
      return { ok: true, id: await store.createDraft(fields, result.receipt!, nowIso(now())) };
    },

    /** The member confirmed the draft: it is submitted (申請中). */
    async submit(member: Member, id: string): Promise<void> {
      const draft = await store.findOwn(member, id);
      if (draft?.status !== 'draft') throw new NotFound();
      if (await store.hasDuplicate(member, draft.branchNumber, draft.vaccinatedOn, draft.id)) throw new BadRequest('apply.error.duplicate');
      if (!(await store.submit(member, id, nowIso(now())))) throw new NotFound();
    },

    discard: (member: Member, id: string) => store.discardDraft(member, id),
    listOwn: (key: HouseholdKey) => store.listOwn(key),

    async findOwn(key: HouseholdKey, id: string, options: { draft?: boolean } = {}): Promise<Application> {
      const found = await store.findOwn(key, id);
      if (!found || (found.status === 'draft') !== Boolean(options.draft)) throw new NotFound();
      return found;
    },

    async receipt(key: HouseholdKey, id: string): Promise<Receipt> {
      const found = await store.receipt(key, id);
      if (!found) throw new NotFound();
      return found;
    },

    // The operator's side.
    list: (filter: { status?: ApplicationStatus } = {}) => store.list(filter),
    find: (id: string) => store.find(id),
    receiptById: (id: string) => store.receiptById(id),

    /** Approve with a subsidy of at most what was paid, or reject with a reason the member will read. */
    async decide(id: string, decision: Decision): Promise<Application> {
      const application = await store.find(id);
      if (!application) throw new NotFound('cli.no_application', `no application with id ${id}`, { id });
      if (application.status !== 'pending') throw new BadRequest('cli.decided', `application ${id} is already ${application.status}`, { id, status: application.status });
      if ('approve' in decision) {
        if (!Number.isInteger(decision.approve) || decision.approve < 1 || decision.approve > application.amountPaid) {
          throw new BadRequest('cli.amount', `the subsidy must be a whole number of yen from 1 to the ${application.amountPaid} paid`, { paid: application.amountPaid });
        }
      } else if (!decision.reject.trim() || decision.reject.length > 500) {
        throw new BadRequest('cli.reason', 'a rejection needs a reason of 1–500 characters');
      }
      const normalized: Decision = 'approve' in decision ? decision : { reject: decision.reject.trim() };
      if (!(await store.decide(id, normalized, nowIso(now())))) throw new BadRequest('cli.decided', `application ${id} was decided meanwhile`);
      return (await store.find(id))!;
    },
  };
}

export type ApplicationService = ReturnType<typeof createApplicationService>;

import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { Member } from '../db/member-store.js';
import type { Terms } from '../db/terms-store.js';
import { ACR } from '../oidc/provider.js';
import { nextStep, type JourneyState, type MemberFacts, type Step } from './journey.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** What the journey keeps between pages, inside the provider's interaction. */
export interface Progress {
  memberId: string;
  amr: string[];
  /** Whether the member had finished first registration when this login began. */
  wasRegistered: boolean;
  /** The 「初回登録の完了」 page has been passed. */
  doneAcknowledged?: boolean;
  /** An authenticator-app secret being set up, sealed to the member. */
  pendingOtp?: string;
  /** The challenge of the passkey ceremony the page in front of the member was given; used once. */
  webauthnChallenge?: string;
  /** New recovery codes, sealed, shown on every reload until the member says they are saved. */
  recoveryCodes?: string;
  /** The second factor was a recovery code; how many remain. Cleared once the member chose. */
  recoveryUsed?: number;
  /** Binding a new authenticator app after a recovery-code sign-in. */
  rebind?: boolean;
}

/**
 * What a POST tells the page it redirects to (PRG): an error or a notice (locale keys),
 * and the harmless fields to fill in again. Shown once, on the step that set it.
 */
export interface Flash {
  step: string;
  error?: string;
  notice?: string;
  params?: Record<string, string | number>;
  fields?: Record<string, string>;
  /** Tries left before the lockout, shown from the third-to-last (step.ts withTriesLeft). */
  triesLeft?: number;
}

/** A login whose every step is done, as the router finishes it (router.ts). */
export interface Completion {
  progress: Progress;
  member: Member;
  loginPrompt: boolean;
  clientId: string;
  finish(result: InteractionResults): Promise<string>;
}

export interface JourneyDeps {
  provider: Provider;
  findMember(id: string): Promise<Member | undefined>;
  currentTerms(): Promise<Terms | undefined>;
  countPasskeys(memberId: string): Promise<number>;
  /** Finishes a complete login (failures cleared, sign-in recorded) and returns where the browser goes: the provider. */
  complete(ctx: Context, completion: Completion): Promise<string>;
}

export interface Journey {
  interaction: Interaction;
  progress: Progress | null;
  /** The member once known and still allowed in (not locked or disabled). */
  member: Member | null;
  state: JourneyState;
  next: Step;
  clientId: string;
  /** The path of a step of this interaction. */
  path(step: string): string;
  /**
   * Saves progress and returns where the browser goes next: the step now due, or the
   * provider when the login is complete. `member`: the member as this request left them,
   * when the step has them at hand (read once per request); otherwise they are read again.
   */
  advance(progress: Progress, member?: Member): Promise<string>;
  /**
   * As `advance`, but a login with no step left is finished here and the browser sent
   * straight back to the provider: no hop through /interaction/:uid, which would load the
   * interaction and the member again. For steps that end on a redirect to the next step.
   */
  advanceOrFinish(progress: Progress, member: Member): Promise<string>;
  /** Forgets who logged in (the member logged out mid-journey); what is stored stays. */
  reset(): Promise<void>;
  /** Ends the interaction and returns where the browser goes next (the provider). */
  finish(result: InteractionResults): Promise<string>;
  /** Keeps a message for the step's page and returns its path: a POST answers with a redirect to it. */
  flash(flash: Flash): Promise<string>;
  /**
   * The message a POST left for this step. It stays for a reload (the page looks as it did,
   * the user ID typed is still there) until the next POST or step replaces it; `once` takes it.
   */
  readFlash(step: string, once?: boolean): Promise<Flash | null>;
}

export function memberFacts(member: Member, terms: Terms | undefined, passkeys: number): MemberFacts {
  return {
    birthdateVerified: Boolean(member.birthdateVerifiedAt),
    termsAccepted: !terms || member.termsVersion === terms.version,
    loginIdConfirmed: Boolean(member.loginIdConfirmedAt),
    passwordChanged: !member.mustChangePassword,
    emailVerified: Boolean(member.emailVerifiedAt),
    registered: Boolean(member.registeredAt),
    mfaMethod: member.mfaMethod === 'webauthn' ? 'webauthn' : 'otp',
    otpBound: Boolean(member.otpSecret),
    passkeys,
  };
}

/** The member (if still allowed in) and the journey's state for an interaction and its progress. */
async function journeyState(interaction: Interaction, progress: Progress | null, deps: JourneyDeps, known?: Member): Promise<{ member: Member | null; state: JourneyState }> {
  const loginPrompt = interaction.prompt.name === 'login';
  const memberId = progress?.memberId ?? (loginPrompt ? null : (interaction.session?.accountId ?? null));
  const found = memberId && known?.id === memberId ? known : memberId ? await deps.findMember(memberId) : undefined;
  // A member locked or disabled in the middle of the journey is sent back to the login page.
  const member = found && !found.lockedAt && !found.disabledAt ? found : null;
  // Passkeys matter only to a member who signs in with them: no count for everyone else.
  const passkeys = member?.mfaMethod === 'webauthn' ? await deps.countPasskeys(member.id) : 0;
  const state: JourneyState = {
    memberId: member ? member.id : null,
    member: member ? memberFacts(member, loginPrompt ? await deps.currentTerms() : undefined, passkeys) : null,
    loginPrompt,
    consentPrompt: interaction.prompt.name === 'consent',
    registrationJustFinished: Boolean(progress && !progress.wasRegistered && !progress.doneAcknowledged),
    secondFactorDone: Boolean(progress && progress.amr.length > 1),
    recoveryCodesPending: Boolean(progress?.recoveryCodes),
    recoveryCodeUsed: progress?.recoveryUsed !== undefined,
    rebinding: Boolean(progress?.rebind),
  };
  return { member, state };
}

/** What the provider is told when the journey is complete. */
export function finishResult(progress: Progress) {
  return { login: { accountId: progress.memberId, amr: progress.amr, acr: progress.amr.length > 1 ? ACR.mfa : ACR.password, remember: false } };
}

export async function loadJourney(ctx: Context, deps: JourneyDeps): Promise<Journey> {
  // Throws SessionNotFound unless this browser holds the interaction's cookie.
  const interaction = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const stored = (interaction.result ?? {}) as { kenpo?: Progress; flash?: Flash };
  const progress = (stored.kenpo ?? null) as Progress | null;
  const { member, state } = await journeyState(interaction, progress, deps);
  // The last result saved by this request: a flash keeps the progress as it is now.
  let latest = stored;
  const save = async (result: { kenpo?: Progress; flash?: Flash }) => {
    latest = result;
    interaction.result = result;
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  };

  const base = `/interaction/${interaction.uid}`;
  const finish = (result: InteractionResults) => deps.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  return {
    interaction,
    progress,
    member,
    state,
    next: nextStep(state),
    clientId: String(interaction.params.client_id),
    path: (step) => `${base}/${step}`,
    // Straight to the step that is now due: no hop through /interaction/:uid, which would
    // load the same interaction and member again. When none is due, /interaction/:uid
    // finishes: a page may still be shown first with a link onwards (recovery codes).
    async advance(next, current) {
      await save({ kenpo: next });
      const step = nextStep((await journeyState(interaction, next, deps, current)).state);
      return step === 'finish' ? base : `${base}/${step}`;
    },
    async advanceOrFinish(next, current) {
      const { member, state } = await journeyState(interaction, next, deps, current);
      const step = nextStep(state);
      if (step !== 'finish' || !member) {
        await save({ kenpo: next });
        return `${base}/${step}`;
      }
      // The provider stores the result in the interaction itself: the progress need not be saved first.
      return deps.complete(ctx, { progress: next, member, loginPrompt: state.loginPrompt, clientId: String(interaction.params.client_id), finish });
    },
    async reset() {
      await save({});
    },
    async flash(flash) {
      await save({ ...(latest.kenpo && { kenpo: latest.kenpo }), flash });
      return `${base}/${flash.step}`;
    },
    async readFlash(step, once = false) {
      if (stored.flash?.step !== step) return null;
      if (once) await save({ ...(latest.kenpo && { kenpo: latest.kenpo }) });
      return stored.flash;
    },
    finish,
  };
}

import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { fromUiLocales } from '../i18n.js';
import { chooseLanguage } from '../web.js';
import { accountStep } from './account.js';
import { birthdateStep } from './birthdate.js';
import { consentStep } from './consent.js';
import { finishResult, loadJourney, type Completion, type Journey } from './context.js';
import { rememberJourney } from '../home.js';
import { doneStep, loggedOutPage } from './done.js';
import { emailStep } from './email.js';
import type { Step } from './journey.js';
import { loginStep } from './login.js';
import { otpSetupStep } from './otp-setup.js';
import { otpStep } from './otp.js';
import { passkeyAddStep } from './passkey-add.js';
import { passwordStep } from './password.js';
import { recoveryCodesStep } from './recovery-codes.js';
import { recoveryUsedStep } from './recovery-used.js';
import { attemptFailed, redirect, type StepDeps, type StepHandler } from './step.js';
import { termsStep } from './terms.js';
import { webauthnSetupStep } from './webauthn-setup.js';
import { webauthnStep } from './webauthn.js';

/**
 * Steps where a wrong answer may be a guess (password, birth date, code, passkey): each
 * answer is counted towards the per-address throttle before it is checked (so an address
 * over its limit is refused before any argon2 is spent), and given back unless the step
 * marks it failed (see step.ts failedAttempt).
 */
const GUESSABLE = new Set<string>(['login', 'birthdate', 'otp', 'webauthn']);

/**
 * The relying party's ui_locales choose the language once, as the journey begins (nothing
 * stored in the interaction yet); the member may switch later.
 */
function uiLocales(ctx: Context, journey: Journey): void {
  const asked = journey.interaction.result ? undefined : fromUiLocales(journey.interaction.params.ui_locales);
  if (asked && !ctx.query.lang) chooseLanguage(ctx, asked);
}

/**
 * /interaction/:uid redirects to the step the journey says is next; a step's page can only
 * be shown or submitted while it is that step, so no step can be skipped or replayed.
 */
export function createInteractionRouter(deps: StepDeps): Router {
  const steps: Partial<Record<Step, StepHandler>> = {
    login: loginStep(deps),
    birthdate: birthdateStep(deps),
    terms: termsStep(deps),
    account: accountStep(deps),
    password: passwordStep(deps),
    email: emailStep(deps),
    done: doneStep(),
    'otp-setup': otpSetupStep(deps),
    otp: otpStep(deps),
    'webauthn-setup': webauthnSetupStep(deps),
    'recovery-codes': recoveryCodesStep(deps),
    webauthn: webauthnStep(deps),
    'recovery-used': recoveryUsedStep(deps),
    consent: consentStep(deps),
  };
  // Pages the member may choose though the journey never makes them due, each open only while its condition holds.
  const optional = new Map<string, { handler: StepHandler; allowed: (journey: Journey) => boolean }>([
    // Another passkey, only after a second factor was proven in this interaction.
    ['passkey-add', { handler: passkeyAddStep(deps), allowed: (j) => j.state.loginPrompt && j.state.secondFactorDone && j.member?.mfaMethod === 'webauthn' }],
    // The page after logging out from 「初回登録の完了」, while nobody is logged in to this interaction.
    ['logged-out', { handler: loggedOutPage(), allowed: (j) => j.state.loginPrompt && j.progress === null }],
  ]);
  /** Every factor this login needs is proven: only now does the member's failure count start again. */
  const complete = async (ctx: Context, { progress, member, loginPrompt, clientId, finish }: Completion): Promise<string> => {
    await deps.members.loginCompleted(member);
    if (loginPrompt) await deps.signIns(ctx, member, clientId);
    const result = finishResult(progress);
    const location = await finish(result);
    deps.metrics?.signedIn(result.login.amr.length > 1 ? 'mfa' : 'password');
    return location;
  };
  const journeyDeps = { provider: deps.provider, findMember: deps.members.find, currentTerms: deps.terms.current, countPasskeys: deps.passkeys.count, complete };
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(bodyParser({ enableTypes: ['form'], formLimit: '16kb' }));

  router.get('/', async (ctx) => {
    const journey = await loadJourney(ctx, journeyDeps);
    uiLocales(ctx, journey);
    if (journey.next === 'finish') {
      const { progress, member, clientId, finish } = journey;
      // Nothing proven in this interaction (no prompt this journey answers): the provider decides again.
      if (!progress || !member) return redirect(ctx, await finish({}));
      return redirect(ctx, await complete(ctx, { progress, member, loginPrompt: journey.state.loginPrompt, clientId, finish }));
    }
    redirect(ctx, journey.path(journey.next));
  });

  const handle = (method: 'show' | 'submit') => async (ctx: Context & { params: Record<string, string> }) => {
    const journey = await loadJourney(ctx, journeyDeps);
    if (method === 'show') {
      uiLocales(ctx, journey); // a new login may arrive straight at its first step (src/oidc/straight-to-login.ts)
      rememberJourney(ctx, journey.interaction.uid, journey.clientId);
    }
    const chosen = optional.get(ctx.params.step ?? '');
    if (chosen && journey.interaction.uid === ctx.params.uid && chosen.allowed(journey)) return chosen.handler[method](ctx, journey);
    const handler = steps[ctx.params.step as Step];
    if (journey.interaction.uid !== ctx.params.uid || !handler || journey.next !== ctx.params.step) {
      return redirect(ctx, `/interaction/${journey.interaction.uid}`);
    }
    await handler[method](ctx, journey);
  };
  router.get('/:step', handle('show'));
  const throttled = async (ctx: Context & { params: Record<string, string> }, next: Next) => {
    if (!GUESSABLE.has(ctx.params.step ?? '')) return next();
    const attempt = await deps.throttle.reserve(ctx.ip);
    try {
      await next();
    } finally {
      if (!attemptFailed(ctx)) await attempt.refund();
    }
  };
  router.post('/:step', throttled, handle('submit'));
  return router;
}

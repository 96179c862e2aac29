import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { z } from 'zod';
import { InvalidInput } from '../errors.js';
import type { SignInRecorder } from '../account/new-device.js';
import { translator, type Translate } from '../i18n.js';
import type { ConsentService } from '../members/consent-service.js';
import type { EmailVerification } from '../members/email-verification.js';
import type { MemberService } from '../members/member-service.js';
import type { OtpService } from '../members/otp-service.js';
import type { PasskeyService } from '../members/passkey-service.js';
import type { RegistrationService } from '../members/registration-service.js';
import type { TermsService } from '../members/terms-service.js';
import type { AddressThrottle } from '../members/throttle.js';
import { render, type PageState } from '../views.js';
import type { Flash, Journey } from './context.js';
import { stepIndicator } from './indicator.js';
import type { Step } from './journey.js';
import type { AuthEvents } from '../metrics/metrics.js';

/** One page of the member journey: `show` renders it, `submit` handles its form. */
export interface StepHandler {
  show(ctx: Context, journey: Journey): Promise<void>;
  submit(ctx: Context, journey: Journey): Promise<void>;
}

/** Everything a step may call: the provider and the domain services, never a store. */
export interface StepDeps {
  provider: Provider;
  members: MemberService;
  registration: RegistrationService;
  terms: TermsService;
  email: EmailVerification;
  otp: OtpService;
  passkeys: PasskeyService;
  /** Failed attempts per client address; see router.ts for which steps count. */
  throttle: AddressThrottle;
  /** A completed login: recent sign-ins and the new-device mail (src/account/new-device.ts). */
  signIns: SignInRecorder;
  consents: ConsentService;
  /** Completed logins, for the metrics. */
  metrics?: Pick<AuthEvents, 'signedIn'>;
}

export function redirect(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}

/**
 * Renders a step's page (always a GET: every POST redirects here) with what the POST
 * left in its flash: the error or notice in the member's language, the fields to refill,
 * and the step indicator.
 */
export async function stepPage(ctx: Context, journey: Journey, step: Step | 'passkey-add' | 'logged-out', view: string, flash: Flash | null, locals: Record<string, unknown> = {}): Promise<void> {
  const tr = t(ctx);
  await render(ctx, view, {
    action: journey.path(step),
    steps: stepIndicator(journey, step as Step),
    error: flash?.error ? withTriesLeft(ctx, tr(flash.error, flash.params), flash.triesLeft) : null,
    notice: flash?.notice ? tr(flash.notice, flash.params) : null,
    locked: flash?.error === 'errors.locked',
    ...locals,
  });
}

export function t(ctx: Context): Translate {
  return translator((ctx.state as PageState).lang);
}

/**
 * The submitted form as strings (a repeated field keeps its last value). A NUL character is
 * refused here, at the edge: no form has a use for it and PostgreSQL cannot store it.
 */
export function formFields(ctx: Context): Record<string, string> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last !== 'string') continue;
    if (last.includes('\u0000') || key.includes('\u0000')) throw new InvalidInput('errors.bad_request');
    fields[key] = last.slice(0, 1024);
  }
  return fields;
}

/** The step's form read through its schema (forms.ts); a form of the wrong shape is a 400 with a message. */
export function readForm<T extends z.ZodType>(ctx: Context, schema: T): z.output<T> {
  const parsed = schema.safeParse(formFields(ctx));
  if (!parsed.success) throw new InvalidInput('errors.bad_request');
  return parsed.data;
}

/** Marks this request's answer as a failed attempt: the per-address throttle keeps it counted (router.ts). */
export function failedAttempt(ctx: Context): void {
  (ctx.state as { attemptFailed?: boolean }).attemptFailed = true;
}

export function attemptFailed(ctx: Context): boolean {
  return (ctx.state as { attemptFailed?: boolean }).attemptFailed === true;
}

/** How many tries before the lockout the pages start counting down (issue 13: from the third-to-last). */
export const WARN_TRIES_LEFT = 3;

/** A failure's message, followed from the third-to-last try by how many tries remain before the account locks. */
export function withTriesLeft(ctx: Context, message: string, triesLeft: number | undefined): string {
  if (triesLeft === undefined || triesLeft > WARN_TRIES_LEFT || triesLeft < 1) return message;
  return `${message} ${t(ctx)('lockout.tries_left', { tries: triesLeft })}`;
}

/** A checkbox is on when present with any value. */
export function checked(fields: Record<string, string>, name: string): boolean {
  return fields[name] !== undefined && fields[name] !== '' && fields[name] !== '0' && fields[name] !== 'false';
}

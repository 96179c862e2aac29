import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { translator, type Translate } from '../i18n.js';
import type { EmailVerification } from '../members/email-verification.js';
import type { MemberService } from '../members/member-service.js';
import type { OtpService } from '../members/otp-service.js';
import type { PasskeyService } from '../members/passkey-service.js';
import type { RegistrationService } from '../members/registration-service.js';
import type { TermsService } from '../members/terms-service.js';
import type { AddressThrottle } from '../members/throttle.js';
import type { PageState } from '../views.js';
import type { Journey } from './context.js';
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
  /** Completed logins, for the metrics. */
  metrics?: Pick<AuthEvents, 'signedIn'>;
}

export function redirect(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}

export function t(ctx: Context): Translate {
  return translator((ctx.state as PageState).lang);
}

/** The submitted form as strings (a repeated field keeps its last value). */
export function formFields(ctx: Context): Record<string, string> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') fields[key] = last.slice(0, 1024);
  }
  return fields;
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

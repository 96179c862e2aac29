import { z } from 'zod';

/*
 * One schema per step form, read at the edge (`readForm`): a step's handler gets typed
 * values. Missing fields read as empty, so that a rule the domain checks (a wrong code, a
 * short password) gets its own message rather than a generic "bad request".
 */
const text = (max = 1024) => z.string().max(max).default('');
/** A checkbox is on when present with any value but the empty string, 0 or false. */
const checkbox = z
  .string()
  .optional()
  .transform((v) => v !== undefined && v !== '' && v !== '0' && v !== 'false');

export const loginForm = z.object({ login: text(), password: text() });
export const birthdateForm = z.object({ birthdate: text(32) });
export const termsForm = z.object({ decision: z.enum(['agree', 'disagree', 'leave']).catch('disagree'), version: text(64) });
export const accountForm = z.object({ login_id: text(), mfa_method: z.enum(['otp', 'webauthn']).catch('otp') });
export const passwordForm = z.object({ password: text(), password_confirm: text(), signout_all: checkbox });
export const emailForm = z.discriminatedUnion('action', [
  z.object({ action: z.literal('verify'), code: text(32) }),
  z.object({ action: z.literal('resend') }),
  z.object({ action: z.literal('change') }),
  z.object({ action: z.literal('send'), email: text(320), signout_all: checkbox }),
]);
export const doneForm = z.object({ decision: z.enum(['continue', 'logout']).catch('continue') });
export const otpSetupForm = z.object({ code: text(32) });
/** The 6-digit code, or (its own field) a recovery code. */
export const otpForm = z.object({ code: z.string().max(32).optional(), recovery_code: z.string().max(64).optional() });
export const webauthnForm = z.object({ code: z.string().max(64).optional(), add_passkey: checkbox });
export const webauthnSetupForm = z.object({ action: z.enum(['register', 'use-otp']).catch('register') });
export const recoveryCodesForm = z.object({ saved: checkbox });
export const recoveryUsedForm = z.object({ decision: z.enum(['rebind', 'later']).catch('later') });

import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Journey, Progress } from './context.js';

/** What the ID token says of a passkey login (RFC 8176): a hardware-held key, and the member verified on the device. */
export const PASSKEY_AMR = ['pwd', 'hwk', 'user'];

const b64url = z.string().max(8192).regex(/^[A-Za-z0-9_-]*$/);
const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
// A transport this code does not know is dropped, not refused: browsers add new ones.
const transports = z
  .array(z.string().max(32))
  .max(8)
  .transform((list) => list.filter((x): x is AuthenticatorTransportFuture => (TRANSPORTS as readonly string[]).includes(x)));
const common = {
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional().catch(undefined),
  clientExtensionResults: z.record(z.string(), z.unknown()).catch({}),
};

const registrationSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: b64url,
    attestationObject: b64url,
    authenticatorData: b64url.optional(),
    transports: transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url.optional(),
  }),
});

const authenticationSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: b64url.optional().nullable().transform((v) => v ?? undefined),
  }),
});

/**
 * The browser's answer to a ceremony: the JSON static/webauthn.js puts in the `credential`
 * field. Read from the raw body (formFields cuts values at 1 KiB, and an attestation is
 * longer); null when absent or not of the expected shape.
 */
function credentialField<T>(ctx: Context, schema: z.ZodType<T>): T | null {
  const raw = ((ctx.request.body ?? {}) as Record<string, unknown>).credential;
  if (typeof raw !== 'string' || raw === '' || raw.length > 16_384) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const registrationResponse = (ctx: Context) => credentialField(ctx, registrationSchema) as RegistrationResponseJSON | null;
export const authenticationResponse = (ctx: Context) => credentialField(ctx, authenticationSchema) as AuthenticationResponseJSON | null;

/**
 * Takes the challenge the page was given out of the interaction before the answer is
 * checked, so each challenge is answered once at most; returns it with the progress
 * that remains.
 */
export async function takeChallenge(journey: Journey): Promise<{ challenge: string | undefined; progress: Progress }> {
  const { webauthnChallenge: challenge, ...progress } = journey.progress!;
  if (challenge) await journey.advance(progress);
  return { challenge, progress };
}

/** Keeps the challenge of the options about to be shown, server-side, in the interaction. */
export async function keepChallenge(journey: Journey, progress: Progress, challenge: string): Promise<void> {
  await journey.advance({ ...progress, webauthnChallenge: challenge });
}

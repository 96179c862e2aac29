import { authenticator } from 'otplib';

/** RFC 6238 as the seed's authenticator apps use it: SHA-1, 6 digits, 30-second steps. */
export const TOTP = { digits: 6, period: 30, algorithm: 'SHA1' } as const;
/** One step of clock drift either way (seed FAQ A5: a code typed just as it changes). */
const WINDOW = 1;

export function newTotpSecret(): string {
  return authenticator.generateSecret(20); // 20 bytes, base32
}

export function timeStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP.period);
}

/** The time step a code belongs to, within ±1 step of `now`, or null. */
export function matchingStep(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const checker = authenticator.clone({ epoch: now.getTime(), step: TOTP.period, digits: TOTP.digits, window: WINDOW });
  const delta = checker.checkDelta(code, secret);
  return delta === null ? null : timeStep(now) + delta;
}

/** otpauth://totp/ISSUER:LOGIN?secret=…&issuer=… (Key URI Format) */
export function keyUri(secret: string, loginId: string, issuerName: string): string {
  return authenticator.clone({ step: TOTP.period, digits: TOTP.digits }).keyuri(loginId, issuerName, secret);
}

/** The secret in groups of four, for 「コードを手動で入力」. */
export function groupSecret(secret: string): string {
  return secret.match(/.{1,4}/g)!.join(' ');
}

/** Codes as members type them: full-width digits, spaces and hyphens are fine. */
export function normaliseCode(input: string): string {
  return input.normalize('NFKC').replace(/[\s-]/g, '');
}

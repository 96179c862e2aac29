import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { createAuditStore } from '../db/audit-store.js';
import { createMemberStore, type Member } from '../db/member-store.js';
import { createPasskeyStore, type Passkey } from '../db/passkey-store.js';
import type { MemberService } from './member-service.js';
import type { Notifications } from './notifications.js';
import { issueRecoveryCodes, looksLikeRecoveryCode, remainingRecoveryCodes, useRecoveryCode } from './recovery-codes.js';

/** Enough for a phone, a PC and a spare; a cap keeps one account from filling the table. */
export const MAX_PASSKEYS = 10;
/** ES256 (every platform authenticator) and RS256 (Windows Hello). */
const ALGORITHMS = [-7, -257];
const TIMEOUT_MS = 120_000;

type Context = { ip?: string; clientId?: string };

/** The WebAuthn library, loaded the first time a passkey is used: most members never do, and it is large. */
let webauthn: Promise<typeof import('@simplewebauthn/server')> | undefined;
const simpleWebAuthn = () => (webauthn ??= import('@simplewebauthn/server'));

export type RegisterResult =
  /** recoveryCodes: issued with the member's first passkey, shown once; null for a further one. */
  | { status: 'registered'; recoveryCodes: string[] | null; passkeys: number }
  | { status: 'refused' }
  | { status: 'too_many' };

export type AuthenticateResult =
  | { status: 'ok'; method: 'passkey' }
  | { status: 'ok'; method: 'recovery'; remaining: number }
  | { status: 'refused'; triesLeft?: number }
  | { status: 'locked' };

const asTransports = (transports: string[]) => transports as AuthenticatorTransportFuture[];

/**
 * Passkeys (生体認証): WebAuthn registration and authentication with user verification
 * required. The relying-party ID is the issuer's host name, so a passkey works for every
 * page of the provider and nowhere else. The challenge of each ceremony is kept by the
 * caller on the server (in the interaction), never taken from the browser.
 */
export function createPasskeyService({ db, config, members, notify }: { db: Knex; config: Pick<Config, 'issuer' | 'issuerName'>; members: Pick<MemberService, 'recordFailure'>; notify?: Pick<Notifications, 'recoveryCodeUsed'> }) {
  const store = createPasskeyStore(db);
  const origin = new URL(config.issuer).origin;
  const rpID = new URL(config.issuer).hostname;

  return {
    count: (memberId: string) => store.count(memberId),
    list: (memberId: string) => store.list(memberId),

    /** What navigator.credentials.create() needs; the member's passkeys are excluded so one device is not registered twice. */
    async registrationOptions(member: Member): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await store.list(member.id);
      return (await simpleWebAuthn()).generateRegistrationOptions({
        rpName: config.issuerName,
        rpID,
        // The user handle is the random `sub`: stable across user-ID changes and saying nothing about the member.
        userID: new TextEncoder().encode(member.id),
        userName: member.loginId,
        userDisplayName: member.loginId,
        timeout: TIMEOUT_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: asTransports(p.transports) })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
      });
    },

    /**
     * Checks the browser's answer against the challenge kept on the server and stores the
     * credential. A failed registration proves and guesses nothing, so it is not counted
     * towards the lockout.
     */
    async register(member: Member, response: RegistrationResponseJSON, expectedChallenge: string, context: Context = {}, now = new Date()): Promise<RegisterResult> {
      if ((await store.count(member.id)) >= MAX_PASSKEYS) return { status: 'too_many' };
      let verified;
      try {
        verified = await (await simpleWebAuthn()).verifyRegistrationResponse({ response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true, supportedAlgorithmIDs: ALGORITHMS });
      } catch {
        verified = { verified: false as const };
      }
      if (!verified.verified) {
        await createAuditStore(db).record({ actor: 'member', event: 'mfa.passkey_refused', memberId: member.id, ip: context.ip, clientId: context.clientId, details: { ceremony: 'registration' } });
        return { status: 'refused' };
      }
      const { credential } = verified.registrationInfo;
      if (await store.find(credential.id)) return { status: 'refused' };
      return db.transaction(async (trx) => {
        const passkeys = createPasskeyStore(trx);
        const first = (await passkeys.count(member.id)) === 0;
        await passkeys.insert({
          credentialId: credential.id,
          memberId: member.id,
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          counter: credential.counter,
          transports: credential.transports ?? [],
          createdAt: now,
        });
        await createMemberStore(trx).update(member.id, { mfaMethod: 'webauthn' }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'mfa.passkey_added', memberId: member.id, ip: context.ip, clientId: context.clientId, details: { credentialId: credential.id.slice(0, 16), first } });
        const recoveryCodes = first ? await issueRecoveryCodes(trx, member.id, now) : null;
        return { status: 'registered' as const, recoveryCodes, passkeys: await passkeys.count(member.id) };
      });
    },

    /** What navigator.credentials.get() needs: only this member's passkeys are offered. */
    async authenticationOptions(member: Member): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const existing = await store.list(member.id);
      return (await simpleWebAuthn()).generateAuthenticationOptions({
        rpID,
        timeout: TIMEOUT_MS,
        userVerification: 'required',
        allowCredentials: existing.map((p) => ({ id: p.credentialId, transports: asTransports(p.transports) })),
      });
    },

    /**
     * A passkey at login, with user verification. A miss does not count towards the lockout:
     * it is the browser's and the authenticator's answer (a cancelled prompt, a wrong device),
     * not a guess the member typed, and a passkey cannot be guessed.
     */
    async authenticate(member: Member, response: AuthenticationResponseJSON, expectedChallenge: string, context: Context = {}, now = new Date()): Promise<AuthenticateResult> {
      const passkey: Passkey | undefined = await store.find(response.id);
      let newCounter: number | null = null;
      if (passkey && passkey.memberId === member.id) {
        try {
          const result = await (await simpleWebAuthn()).verifyAuthenticationResponse({
            response,
            expectedChallenge,
            expectedOrigin: origin,
            expectedRPID: rpID,
            requireUserVerification: true,
            credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter, transports: asTransports(passkey.transports) },
          });
          if (result.verified) newCounter = result.authenticationInfo.newCounter;
        } catch {
          // A bad signature, a challenge or origin mismatch, no user verification, a counter gone backwards: all one answer.
        }
      }
      if (newCounter === null) return { status: 'refused' };
      await db.transaction(async (trx) => {
        await createPasskeyStore(trx).recordUse(passkey!.credentialId, newCounter, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'login.passkey', memberId: member.id, ip: context.ip, clientId: context.clientId, details: { credentialId: passkey!.credentialId.slice(0, 16) } });
      });
      return { status: 'ok', method: 'passkey' };
    },

    /** A recovery code in place of the passkey (a lost or replaced phone); each works once. */
    async useRecoveryCode(member: Member, input: string, context: Context = {}, now = new Date()): Promise<AuthenticateResult> {
      if (looksLikeRecoveryCode(input) && (await useRecoveryCode(db, member.id, input, now))) {
        await createAuditStore(db).record({ actor: 'member', event: 'login.recovery_code', memberId: member.id, ip: context.ip, clientId: context.clientId });
        const remaining = await remainingRecoveryCodes(db, member.id);
        await notify?.recoveryCodeUsed(member, remaining);
        return { status: 'ok', method: 'recovery', remaining };
      }
      const failure = await members.recordFailure(member, 'recovery-code', context);
      return failure.locked ? { status: 'locked' } : { status: 'refused', triesLeft: failure.triesLeft };
    },

    /**
     * A member whose browser cannot make a passkey switches to the authenticator app before
     * the first passkey is registered (afterwards only the operator's reset-mfa changes it).
     */
    async chooseAuthenticatorApp(member: Member, context: Context = {}, now = new Date()): Promise<boolean> {
      return db.transaction(async (trx) => {
        if ((await createPasskeyStore(trx).count(member.id)) > 0) return false;
        await createMemberStore(trx).update(member.id, { mfaMethod: 'otp' }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'mfa.method_changed', memberId: member.id, ip: context.ip, clientId: context.clientId, details: { from: 'webauthn', to: 'otp' } });
        return true;
      });
    },
  };
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;

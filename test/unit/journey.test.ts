import { nextStep, registrationComplete, REGISTRATION_STEPS, type JourneyState, type MemberFacts, type Step } from '../../src/interactions/journey.js';

/** The registration steps in the seed's order (2-3 … 2-7), each with the fact that finishes it. */
type RegistrationFact = 'birthdateVerified' | 'termsAccepted' | 'loginIdConfirmed' | 'passwordChanged' | 'emailVerified';
const ORDER: ReadonlyArray<readonly [Step, RegistrationFact]> = [
  ['birthdate', 'birthdateVerified'],
  ['terms', 'termsAccepted'],
  ['account', 'loginIdConfirmed'],
  ['password', 'passwordChanged'],
  ['email', 'emailVerified'],
];

const registered: MemberFacts = {
  birthdateVerified: true,
  termsAccepted: true,
  loginIdConfirmed: true,
  passwordChanged: true,
  emailVerified: true,
  registered: true,
  mfaMethod: 'otp',
  otpBound: true,
  passkeys: 0,
};
const fresh: MemberFacts = {
  birthdateVerified: false,
  termsAccepted: false,
  loginIdConfirmed: false,
  passwordChanged: false,
  emailVerified: false,
  registered: false,
  mfaMethod: 'otp',
  otpBound: false,
  passkeys: 0,
};

const state = (overrides: Partial<JourneyState>): JourneyState => ({
  memberId: 'm1',
  member: registered,
  loginPrompt: true,
  consentPrompt: false,
  registrationJustFinished: false,
  secondFactorDone: true,
  ...overrides,
});

/** Every combination of the member's facts. */
function allFacts(): MemberFacts[] {
  const keys = ['birthdateVerified', 'termsAccepted', 'loginIdConfirmed', 'passwordChanged', 'emailVerified', 'registered'] as const;
  return Array.from({ length: 2 ** keys.length }, (_, bits) => ({
    ...registered,
    ...Object.fromEntries(keys.map((key, i) => [key, Boolean(bits & (1 << i))])),
  }));
}

describe('nextStep', () => {
  test.each([
    ['a new login, nobody yet', state({ memberId: null, member: null }), 'login'],
    ['a member id without facts is not logged in', state({ memberId: 'm1', member: null }), 'login'],
    ['facts without a member id are not logged in', state({ memberId: null, member: registered }), 'login'],
    ['a first login starts with the birth date (2-3)', state({ member: fresh }), 'birthdate'],
    ['a registered member is done with the login prompt', state({}), 'finish'],
    ['the 2-8 page right after registration', state({ registrationJustFinished: true }), 'done'],
    ['an existing session, consent asked', state({ loginPrompt: false, consentPrompt: true }), 'consent'],
    ['an existing session, consent asked, even before login facts', state({ loginPrompt: false, consentPrompt: true, memberId: null, member: null }), 'consent'],
    ['an existing session, nothing asked', state({ loginPrompt: false }), 'finish'],
    ['no login prompt: registration steps are not re-asked here', state({ loginPrompt: false, member: fresh }), 'finish'],
  ] as const)('%s', (_, input, expected) => {
    expect(nextStep(input)).toBe(expected);
  });

  test.each(ORDER.map(([step, fact], i) => [step, fact, i] as const))('%s is next when %s is the first missing fact', (step, fact, i) => {
    // Everything before it done, it and everything after it missing: resumes exactly here.
    const member = { ...fresh };
    for (const [, done] of ORDER.slice(0, i)) member[done] = true;
    expect(nextStep(state({ member }))).toBe(step);
    // Later facts already true change nothing: the earliest unfinished step wins.
    const later = { ...registered, [fact]: false };
    expect(nextStep(state({ member: later }))).toBe(step);
  });

  test('every combination of facts, with and without a just-finished registration', () => {
    for (const member of allFacts()) {
      for (const registrationJustFinished of [false, true]) {
        const missing = ORDER.find(([, fact]) => !member[fact]);
        const expected = missing ? missing[0] : member.registered && registrationJustFinished ? 'done' : 'finish';
        expect({ member, registrationJustFinished, step: nextStep(state({ member, registrationJustFinished })) }).toEqual({
          member,
          registrationJustFinished,
          step: expected,
        });
        // Consent belongs to its own prompt and never interrupts registration.
        expect(nextStep(state({ member, registrationJustFinished, consentPrompt: true }))).toBe(expected);
      }
    }
  });

  test.each([
    ['an app chosen but not bound yet: setup (3-2)', { otpBound: false }, { secondFactorDone: false }, 'otp-setup'],
    ['an app bound: a code at every login (4-3)', {}, { secondFactorDone: false }, 'otp'],
    ['an app bound and a code given in this login', {}, { secondFactorDone: true }, 'finish'],
    ['生体認証 chosen, no passkey yet: registration', { mfaMethod: 'webauthn', passkeys: 0 }, { secondFactorDone: false }, 'webauthn-setup'],
    ['生体認証 chosen with a passkey: the passkey at every login', { mfaMethod: 'webauthn', passkeys: 1 }, { secondFactorDone: false }, 'webauthn'],
    ['the 完了 page comes before the second-factor setup', { otpBound: false }, { secondFactorDone: false, registrationJustFinished: true }, 'done'],
    ['an unfinished registration comes before any second factor', { emailVerified: false, registered: false, otpBound: false }, { secondFactorDone: false }, 'email'],
  ] as const)('%s', (_, facts, overrides, expected) => {
    expect(nextStep(state({ member: { ...registered, ...facts }, ...overrides }))).toBe(expected);
  });

  test('is pure: it does not change the state it is given', () => {
    const input = state({ member: { ...fresh } });
    const copy = structuredClone(input);
    nextStep(input);
    expect(input).toEqual(copy);
  });
});

describe('the second factor after registration', () => {
  test('new recovery codes stay due until the member says they are saved', () => {
    expect(nextStep(state({ recoveryCodesPending: true }))).toBe('recovery-codes');
    expect(nextStep(state({ recoveryCodesPending: false }))).toBe('finish');
  });

  test('after a recovery code the member is asked to bind anew; choosing so makes the authenticator setup due again', () => {
    expect(nextStep(state({ recoveryCodeUsed: true }))).toBe('recovery-used');
    expect(nextStep(state({ rebinding: true }))).toBe('otp-setup');
    expect(nextStep(state({ rebinding: true, member: { ...registered, mfaMethod: 'webauthn', passkeys: 1 } }))).toBe('finish');
  });

  test('the steps of first registration, and what completes it, come from one list', () => {
    expect(REGISTRATION_STEPS).toEqual(['birthdate', 'terms', 'account', 'password', 'email', 'done']);
    expect(registrationComplete(registered)).toBe(true);
    // The terms are asked per version, so they never hold registration back.
    const termsPending: MemberFacts = { ...registered, termsAccepted: false };
    expect(registrationComplete(termsPending)).toBe(true);
    for (const fact of ['birthdateVerified', 'loginIdConfirmed', 'passwordChanged', 'emailVerified'] as const) {
      expect({ fact, complete: registrationComplete({ ...registered, [fact]: false }) }).toEqual({ fact, complete: false });
    }
  });
});

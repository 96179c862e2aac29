/**
 * The member journey as a pure function: from what is stored about the member and this
 * interaction to the one step that must come next. Every page asks it, so an interrupted
 * journey (closed tab, expired interaction, another device) resumes at the first
 * unfinished step, and a finished step is never asked again.
 */
export type Step =
  | 'login'
  | 'birthdate'
  | 'terms'
  | 'account'
  | 'password'
  | 'email'
  | 'done'
  | 'otp-setup'
  | 'webauthn-setup'
  | 'recovery-codes'
  | 'otp'
  | 'webauthn'
  | 'recovery-used'
  | 'consent'
  | 'finish';

/** What is stored about the member, reduced to what decides the journey. */
export interface MemberFacts {
  birthdateVerified: boolean;
  /** The current terms version is accepted (or none is published). */
  termsAccepted: boolean;
  loginIdConfirmed: boolean;
  passwordChanged: boolean;
  emailVerified: boolean;
  registered: boolean;
  /** The second factor chosen at step 4 (authenticator app unless 生体認証 was chosen). */
  mfaMethod: 'otp' | 'webauthn';
  otpBound: boolean;
  passkeys: number;
}

export interface JourneyState {
  /** Who has proven who they are in this interaction (or by an existing session); null before login. */
  memberId: string | null;
  member: MemberFacts | null;
  /** The provider asks for the login prompt (no session yet, or it must be renewed). */
  loginPrompt: boolean;
  /** The provider asks for consent; first-party clients never reach this. */
  consentPrompt: boolean;
  /** First registration was finished in this interaction, and the 「初回登録の完了」 page not yet passed. */
  registrationJustFinished: boolean;
  /** A second factor was proven (or bound) in this interaction. */
  secondFactorDone: boolean;
  /** New recovery codes are waiting until the member says they are saved (「保存しました」). */
  recoveryCodesPending?: boolean;
  /** The second factor was a recovery code: the member is asked to bind a new authenticator. */
  recoveryCodeUsed?: boolean;
  /** The member chose to bind a new authenticator app in place of the lost one. */
  rebinding?: boolean;
}

type Due = (s: JourneyState, m: MemberFacts) => boolean;

/** First registration (seed 2-3 … 2-7), each step with the fact that finishes it; written once, here. */
const REGISTRATION: ReadonlyArray<readonly [Step, (m: MemberFacts) => boolean]> = [
  ['birthdate', (m) => !m.birthdateVerified],
  ['terms', (m) => !m.termsAccepted],
  ['account', (m) => !m.loginIdConfirmed],
  ['password', (m) => !m.passwordChanged],
  ['email', (m) => !m.emailVerified],
];

/** Each step with the condition that makes it due, in the seed's order; the first due step is next. */
const STEPS: ReadonlyArray<readonly [Step, Due]> = [
  ...REGISTRATION.map(([step, due]) => [step, (_: JourneyState, m: MemberFacts) => due(m)] as const),
  ['done', (s, m) => m.registered && s.registrationJustFinished],
  ['otp-setup', (s, m) => m.mfaMethod === 'otp' && (!m.otpBound || Boolean(s.rebinding))],
  ['webauthn-setup', (_, m) => m.mfaMethod === 'webauthn' && m.passkeys === 0],
  ['recovery-codes', (s) => Boolean(s.recoveryCodesPending)],
  ['otp', (s, m) => m.mfaMethod === 'otp' && !s.secondFactorDone],
  ['webauthn', (s, m) => m.mfaMethod === 'webauthn' && !s.secondFactorDone],
  ['recovery-used', (s) => Boolean(s.recoveryCodeUsed)],
];

/** The pages of first registration as the step indicator numbers them, ending with 「初回登録の完了」. */
export const REGISTRATION_STEPS: readonly Step[] = [...REGISTRATION.map(([step]) => step), 'done'];

/** The indicator's last entry: binding the second factor and keeping the recovery codes. */
export const SECOND_FACTOR_STEPS: readonly Step[] = ['otp-setup', 'webauthn-setup', 'recovery-codes'];

/** Whether every first-registration step that is stored once is done (terms are asked again per version, so they do not count). */
export function registrationComplete(m: Omit<MemberFacts, 'termsAccepted'>): boolean {
  return REGISTRATION.every(([step, due]) => step === 'terms' || !due({ ...m, termsAccepted: true }));
}

export function nextStep(state: JourneyState): Step {
  if (state.loginPrompt) {
    if (state.memberId === null || state.member === null) return 'login';
    for (const [step, due] of STEPS) if (due(state, state.member)) return step;
    return 'finish';
  }
  return state.consentPrompt ? 'consent' : 'finish';
}

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
  | 'otp'
  | 'webauthn'
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
}

type Due = (s: JourneyState, m: MemberFacts) => boolean;

/** Each step with the condition that makes it due, in the seed's order; the first due step is next. */
const STEPS: ReadonlyArray<readonly [Step, Due]> = [
  ['birthdate', (_, m) => !m.birthdateVerified],
  ['terms', (_, m) => !m.termsAccepted],
  ['account', (_, m) => !m.loginIdConfirmed],
  ['password', (_, m) => !m.passwordChanged],
  ['email', (_, m) => !m.emailVerified],
  ['done', (s, m) => m.registered && s.registrationJustFinished],
  ['otp-setup', (_, m) => m.mfaMethod === 'otp' && !m.otpBound],
  ['webauthn-setup', (_, m) => m.mfaMethod === 'webauthn' && m.passkeys === 0],
  ['otp', (s, m) => m.mfaMethod === 'otp' && !s.secondFactorDone],
  ['webauthn', (s, m) => m.mfaMethod === 'webauthn' && !s.secondFactorDone],
];

export function nextStep(state: JourneyState): Step {
  if (state.loginPrompt) {
    if (state.memberId === null || state.member === null) return 'login';
    for (const [step, due] of STEPS) if (due(state, state.member)) return step;
    return 'finish';
  }
  return state.consentPrompt ? 'consent' : 'finish';
}

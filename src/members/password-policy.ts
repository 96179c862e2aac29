import { createRequire } from 'node:module';
import { initialPassword } from './login-id.js';

/**
 * Seed 2-6: 8–64 characters of ASCII letters, digits and !"#%&'()*=~/`{+}<>?-^¥\@[:;],.
 * (¥ is accepted both as U+00A5 and as the backslash a Japanese keyboard shows as ¥).
 */
const ALLOWED = /^[A-Za-z0-9!"#%&'()*=~/`{+}<>?\-^¥\\@[:;\],.]+$/;

let common: Set<string> | undefined;
/**
 * The common-password list is decompressed when a new password is first checked, not by
 * every provider process at start (about 13 MiB, most of it never needed after registration).
 */
function isCommon(password: string): boolean {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return common.has(password.toLowerCase());
}

export type PasswordProblem =
  | 'password.mismatch'
  | 'password.length'
  | 'password.charset'
  | 'password.initial'
  | 'password.birthdate'
  | 'password.login_id'
  | 'password.common';

/** The first rule a new password breaks, or null; each rule has its own message. */
export function checkNewPassword(
  password: string,
  confirm: string,
  member: { loginId: string; insurerSymbol: string; insuredNumber: string; birthDate: string },
): PasswordProblem | null {
  if (password !== confirm) return 'password.mismatch';
  if (password.length < 8 || password.length > 64) return 'password.length';
  if (!ALLOWED.test(password)) return 'password.charset';
  if (password === initialPassword(member)) return 'password.initial';
  if (password.includes(member.birthDate.replaceAll('-', ''))) return 'password.birthdate';
  if (password.toLowerCase().includes(member.loginId.toLowerCase())) return 'password.login_id';
  if (isCommon(password)) return 'password.common';
  return null;
}

/** The first character of `password` the rules do not allow (as typed, e.g. 「あ」 or a space), if any. */
export function disallowedCharacter(password: string): string | undefined {
  return [...password].find((char) => !ALLOWED.test(char));
}

/** The locale key and parameters of a problem's message: a character problem names the character. */
export function passwordProblemMessage(problem: PasswordProblem, password: string): { key: string; params: Record<string, string> } {
  const char = problem === 'password.charset' ? disallowedCharacter(password) : undefined;
  if (char === undefined) return { key: `errors.${problem}`, params: {} };
  return { key: 'journey.password.charset_named', params: { char: char === ' ' || char === '\u3000' ? '␣' : char } };
}

import { dictionary } from '@zxcvbn-ts/language-common';
import { initialPassword } from './login-id.js';

/**
 * Seed 2-6: 8–64 characters of ASCII letters, digits and !"#%&'()*=~/`{+}<>?-^¥\@[:;],.
 * (¥ is accepted both as U+00A5 and as the backslash a Japanese keyboard shows as ¥).
 */
const ALLOWED = /^[A-Za-z0-9!"#%&'()*=~/`{+}<>?\-^¥\\@[:;\],.]+$/;

let common: Set<string> | undefined;
function isCommon(password: string): boolean {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
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

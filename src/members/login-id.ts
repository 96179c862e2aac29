/**
 * A user ID as a member may type it: with a Japanese IME it can arrive in full-width
 * characters (ＡＢＣ１２３), and upper case is accepted and folded (seed 2-5).
 */
export function normaliseLoginId(input: string): string {
  return input.normalize('NFKC').trim().toLowerCase();
}

/** Rules for a new or changed user ID; imported IDs (e.g. 任意継続, 15+ chars) are kept as they are. */
export const NEW_LOGIN_ID = /^[a-z0-9\-_.@]{8,13}$/;

/** Dates are accepted as YYYYMMDD with any separators and full-width digits; returns YYYY-MM-DD or null. */
export function normaliseBirthDate(input: string): string | null {
  const digits = input.normalize('NFKC').replace(/[\s/.\-年月日]/g, '');
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(digits);
  if (!match) return null;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d)) return null;
  return `${y}-${m}-${d}`;
}

/** The seed's initial password: symbol + number + birth date, e.g. 10 + 1234 + 20010101. */
export function initialPassword(member: { insurerSymbol: string; insuredNumber: string; birthDate: string }): string {
  return `${member.insurerSymbol}${member.insuredNumber}${member.birthDate.replaceAll('-', '')}`;
}

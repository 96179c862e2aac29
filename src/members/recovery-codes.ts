import { createHash, randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { createRecoveryCodeStore } from '../db/recovery-code-store.js';

export const RECOVERY_CODE_COUNT = 10;
// No 0/O, 1/l/I: codes are read off paper.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** 12 characters from a 31-letter alphabet: about 59 bits each, shown as xxxx-xxxx-xxxx. */
function newCode(): string {
  const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

export function normaliseRecoveryCode(input: string): string {
  const chars = input.normalize('NFKC').toLowerCase().replace(/[^a-z0-9]/g, '');
  return chars.length === 12 ? chars.match(/.{4}/g)!.join('-') : '';
}

const hash = (memberId: string, code: string) => createHash('sha256').update(`recovery:${memberId}:${code}`).digest('hex');

export function looksLikeRecoveryCode(input: string): boolean {
  return normaliseRecoveryCode(input) !== '';
}

/** Generates a fresh set (replacing any old one) inside the caller's transaction; returns the plain codes, shown once. */
export async function issueRecoveryCodes(trx: Knex.Transaction, memberId: string, now: Date): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await createRecoveryCodeStore(trx).replace(memberId, codes.map((c) => hash(memberId, c)), now);
  return codes;
}

export async function useRecoveryCode(db: Knex | Knex.Transaction, memberId: string, input: string, now: Date): Promise<boolean> {
  const code = normaliseRecoveryCode(input);
  return code !== '' && createRecoveryCodeStore(db).use(memberId, hash(memberId, code), now);
}

export const remainingRecoveryCodes = (db: Knex, memberId: string) => createRecoveryCodeStore(db).remaining(memberId);

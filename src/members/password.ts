import argon2 from 'argon2';
import type { Config } from '../config.js';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** `rehash` is set when the stored hash used other parameters than the configured ones. */
  verify(hash: string, password: string): Promise<{ ok: boolean; rehash: boolean }>;
  /** Spends the same time as a real verify, so an unknown user ID cannot be told by timing. */
  decoy(password: string): Promise<void>;
}

export function createPasswordHasher(params: Config['argon2']): PasswordHasher {
  const options = { type: argon2.argon2id as 2, memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism };
  let decoyHash: Promise<string> | undefined;
  return {
    hash: (password) => argon2.hash(password, options),
    async verify(hash, password) {
      let ok = false;
      try {
        ok = await argon2.verify(hash, password);
      } catch {
        ok = false; // a malformed stored hash is a failed login, not a crash
      }
      return { ok, rehash: ok && argon2.needsRehash(hash, options) };
    },
    async decoy(password) {
      decoyHash ??= argon2.hash('decoy-password-never-matches', options);
      await argon2.verify(await decoyHash, password).catch(() => false);
    },
  };
}

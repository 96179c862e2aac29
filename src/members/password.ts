import argon2 from 'argon2';
import type { Config } from '../config.js';
import { createWorkQueue } from './work-queue.js';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** `rehash` is set when the stored hash used other parameters than the configured ones. */
  verify(hash: string, password: string): Promise<{ ok: boolean; rehash: boolean }>;
  /** Spends the same time as a real verify, so an unknown user ID cannot be told by timing. */
  decoy(password: string): Promise<void>;
  /** Verifies (and decoys) run so far, and how many are running or waiting: for tests and the operator. */
  stats(): { verifies: number; queued: number };
}

/**
 * Verifies go through a bounded queue (Config['passwordQueue']): a flood of logins waits
 * for a few argon2 slots or is refused with a 503 at once, and leaves threads of the libuv
 * pool free for everything else that needs them (SQLite runs its queries there too).
 */
export function createPasswordHasher(params: Config['argon2'], queueSize: Config['passwordQueue'] = { concurrency: 3, capacity: 8 }): PasswordHasher {
  const options = { type: argon2.argon2id as 2, memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism };
  const queue = createWorkQueue(queueSize);
  let decoyHash: Promise<string> | undefined;
  let verifies = 0;
  const verified = (hash: string, password: string) =>
    queue.run(async () => {
      verifies += 1;
      return argon2.verify(hash, password);
    });
  return {
    hash: (password) => argon2.hash(password, options),
    async verify(hash, password) {
      let ok = false;
      try {
        ok = await verified(hash, password);
      } catch (error) {
        if ((error as { status?: number }).status === 503) throw error;
        ok = false; // a malformed stored hash is a failed login, not a crash
      }
      return { ok, rehash: ok && argon2.needsRehash(hash, options) };
    },
    async decoy(password) {
      decoyHash ??= argon2.hash('decoy-password-never-matches', options);
      const hash = await decoyHash;
      await verified(hash, password).catch((error: { status?: number }) => {
        if (error.status === 503) throw error;
        return false;
      });
    },
    stats: () => ({ verifies, queued: queue.size }),
  };
}

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisAdapterClass } from '../../src/adapters/redis-adapter.js';
import { describeAdapterContract } from './adapter-suite.js';

const REDIS_SKIP = 'Redis suite skipped: REDIS_URL is not set';
const redisUrl = process.env.REDIS_URL;

/** Deletes every key under the prefix (SCAN, never KEYS, in case the Redis is shared). */
async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
    if (keys.length) await redis.del(...keys);
  }
}

if (redisUrl) {
  // A prefix of its own per run: parallel runs share the Redis but never a key.
  const prefix = `kenpo-test:${randomBytes(6).toString('hex')}:`;
  let redis: Redis | undefined;
  describeAdapterContract(
    'Redis',
    async () => {
      redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      return createRedisAdapterClass(redis, prefix);
    },
    async () => {
      if (!redis) return;
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
    () => {
      test('keys are <prefix><Model>:<id> and expire with the model', async () => {
        const Adapter = createRedisAdapterClass(redis!, prefix);
        await new Adapter('Session').upsert('abc', { uid: 'u-abc', grantId: 'g-abc' }, 120);
        const ttl = await redis!.ttl(`${prefix}Session:abc`);
        expect(ttl).toBeGreaterThan(100);
        expect(ttl).toBeLessThanOrEqual(120);
        expect(await redis!.ttl(`${prefix}uid:Session:u-abc`)).toBeGreaterThan(100);
        expect(await redis!.ttl(`${prefix}grant:g-abc`)).toBeGreaterThan(100);
      });

      test('a grant index never expires before the longest-lived model in it', async () => {
        const Adapter = createRedisAdapterClass(redis!, prefix);
        await new Adapter('RefreshToken').upsert('long', { grantId: 'g-ttl' }, 3_600);
        await new Adapter('AccessToken').upsert('short', { grantId: 'g-ttl' }, 60);
        expect(await redis!.ttl(`${prefix}grant:g-ttl`)).toBeGreaterThan(3_500);
      });

      test('no key is left without an expiry when the models have one', async () => {
        const Adapter = createRedisAdapterClass(redis!, prefix);
        await new Adapter('AuthorizationCode').upsert('exp', { grantId: 'g-exp', accountId: 'm1' }, 60);
        await new Adapter('AuthorizationCode').consume('exp');
        await new Adapter('AuthorizationCode').consume('never-stored');
        expect(await redis!.ttl(`${prefix}AuthorizationCode:exp`)).toBeGreaterThan(0);
        expect(await redis!.exists(`${prefix}AuthorizationCode:never-stored`)).toBe(0);
      });
    },
  );
} else {
  // Straight to stderr: jest drops console output of a file whose every test is skipped.
  process.stderr.write(`\n⚠ ${REDIS_SKIP} (set REDIS_URL=redis://… to run it)\n`);
  test.skip(REDIS_SKIP, () => {});
}

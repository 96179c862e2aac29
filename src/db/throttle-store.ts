import type { Redis } from 'ioredis';
import type { Knex } from 'knex';

/**
 * Counters of attempts per bucket (a limit's name and its key, e.g. `address:203.0.113.7`)
 * and fixed time window. Kept in Redis when there is one, otherwise in the database:
 * never only in one process's memory, so every process behind a load balancer counts
 * the same attempts and a restart forgets none.
 */
export interface ThrottleStore {
  /** Adds one attempt to the bucket's window and returns the window's count, atomically. */
  hit(bucket: string, windowStart: number, windowSeconds: number): Promise<number>;
  /** The window's count so far (0 when none). */
  count(bucket: string, windowStart: number): Promise<number>;
}

/** Windows longer than this are not supported: older rows are swept away. */
const RETAIN_SECONDS = 24 * 3600;

export function createKnexThrottleStore(db: Knex): ThrottleStore {
  const table = () => db('throttle_counters');
  return {
    async hit(bucket, windowStart) {
      // An upsert, so two processes counting the same new window cannot both insert it.
      await table()
        .insert({ bucket, window_start: windowStart, hits: 1 })
        .onConflict(['bucket', 'window_start'])
        .merge({ hits: db.raw('?? + 1', ['throttle_counters.hits']) });
      const hits = await this.count(bucket, windowStart);
      // The first attempt of a window is a good moment to forget finished ones (indexed, rare).
      if (hits === 1) await table().where('window_start', '<', windowStart - RETAIN_SECONDS).delete();
      return hits;
    },
    async count(bucket, windowStart) {
      const row = await table().where({ bucket, window_start: windowStart }).first('hits');
      return Number(row?.hits ?? 0);
    },
  };
}

export function createRedisThrottleStore(redis: Redis, prefix = 'kenpo:throttle:'): ThrottleStore {
  const key = (bucket: string, windowStart: number) => `${prefix}${bucket}:${windowStart}`;
  return {
    async hit(bucket, windowStart, windowSeconds) {
      const k = key(bucket, windowStart);
      // INCR and EXPIREAT in one transaction: a counter is never left without its expiry.
      const replies = await redis.multi().incr(k).expireat(k, windowStart + windowSeconds + 60).exec();
      const [error, hits] = replies?.[0] ?? [new Error('throttle counter: no reply from Redis'), 0];
      if (error) throw error;
      return Number(hits);
    },
    async count(bucket, windowStart) {
      return Number((await redis.get(key(bucket, windowStart))) ?? 0);
    },
  };
}

/** Redis when REDIS_URL is set (it holds the short-lived state), else the database. */
export function createThrottleStore({ db, redis, redisPrefix = 'kenpo:' }: { db: Knex; redis?: Redis; redisPrefix?: string }): ThrottleStore {
  return redis ? createRedisThrottleStore(redis, `${redisPrefix}throttle:`) : createKnexThrottleStore(db);
}

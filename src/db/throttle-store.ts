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
  /**
   * Adds one attempt only while the window holds fewer than `limit`, in one atomic step;
   * returns whether it was counted. Of any number of parallel callers, at most `limit` win.
   */
  reserve(bucket: string, windowStart: number, windowSeconds: number, limit: number): Promise<boolean>;
  /** Gives back one attempt reserved in that window (never below zero). */
  refund(bucket: string, windowStart: number): Promise<void>;
}

/** Windows longer than this are not supported: older rows are swept away. */
const RETAIN_SECONDS = 24 * 3600;
/** Each process sweeps finished windows at most this often: not one extra statement per new window. */
const SWEEP_EVERY_MS = 60_000;

export function createKnexThrottleStore(db: Knex): ThrottleStore {
  const table = () => db('throttle_counters');
  let sweptAt = 0;
  /** Forgets windows that ended more than a day ago (indexed); only when a new window begins, and once a minute at most. */
  const sweep = async (windowStart: number) => {
    if (Date.now() - sweptAt < SWEEP_EVERY_MS) return;
    sweptAt = Date.now();
    await table().where('window_start', '<', windowStart - RETAIN_SECONDS).delete();
  };
  return {
    async hit(bucket, windowStart) {
      // An upsert, so two processes counting the same new window cannot both insert it.
      await table()
        .insert({ bucket, window_start: windowStart, hits: 1 })
        .onConflict(['bucket', 'window_start'])
        .merge({ hits: db.raw('?? + 1', ['throttle_counters.hits']) });
      const hits = await this.count(bucket, windowStart);
      if (hits === 1) await sweep(windowStart);
      return hits;
    },
    async count(bucket, windowStart) {
      const row = await table().where({ bucket, window_start: windowStart }).first('hits');
      return Number(row?.hits ?? 0);
    },
    async reserve(bucket, windowStart, _windowSeconds, limit) {
      // One conditional upsert: inserted, or incremented while under the limit; no row comes back when full.
      const rows = (await table()
        .insert({ bucket, window_start: windowStart, hits: 1 })
        .onConflict(['bucket', 'window_start'])
        .merge({ hits: db.raw('?? + 1', ['throttle_counters.hits']) })
        .where('throttle_counters.hits', '<', limit)
        .returning('hits')) as Array<{ hits: number | string }>;
      if (rows.length === 0) return false;
      if (Number(rows[0]!.hits) === 1) await sweep(windowStart);
      return true;
    },
    async refund(bucket, windowStart) {
      await table().where({ bucket, window_start: windowStart }).andWhere('hits', '>', 0).decrement('hits', 1);
    },
  };
}

/** Counts one attempt unless the window is full: KEYS[1] the counter, ARGV the limit and the expiry (epoch seconds). */
const RESERVE_SCRIPT = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIREAT', KEYS[1], ARGV[2])
return 1`;

/** Gives one attempt back, never below zero and never to a counter that is gone. */
const REFUND_SCRIPT = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

type ThrottleScripts = Redis & {
  kenpoThrottleReserve(key: string, limit: number, expireAt: number): Promise<number>;
  kenpoThrottleRefund(key: string): Promise<number>;
};

export function createRedisThrottleStore(client: Redis, prefix = 'kenpo:throttle:'): ThrottleStore {
  const key = (bucket: string, windowStart: number) => `${prefix}${bucket}:${windowStart}`;
  // EVALSHA: the scripts are sent once per connection, not with every attempt.
  if (!('kenpoThrottleReserve' in client)) {
    client.defineCommand('kenpoThrottleReserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
    client.defineCommand('kenpoThrottleRefund', { numberOfKeys: 1, lua: REFUND_SCRIPT });
  }
  const redis = client as ThrottleScripts;
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
    async reserve(bucket, windowStart, windowSeconds, limit) {
      return Number(await redis.kenpoThrottleReserve(key(bucket, windowStart), limit, windowStart + windowSeconds + 60)) === 1;
    },
    async refund(bucket, windowStart) {
      await redis.kenpoThrottleRefund(key(bucket, windowStart));
    },
  };
}

/** Redis when REDIS_URL is set (it holds the short-lived state), else the database. */
export function createThrottleStore({ db, redis, redisPrefix = 'kenpo:' }: { db: Knex; redis?: Redis; redisPrefix?: string }): ThrottleStore {
  return redis ? createRedisThrottleStore(redis, `${redisPrefix}throttle:`) : createKnexThrottleStore(db);
}

import type { AdapterPayload } from 'oidc-provider';
import type { StorageAdapter } from './storage-adapter.js';
import type { Redis } from 'ioredis';

/*
 * oidc-provider's short-lived models in Redis, so that any process behind a load balancer
 * sees the same sessions, interactions and codes.
 *
 *   <prefix><Model>:<id>          hash { payload: JSON, consumed?: epoch seconds }, EX = the model's lifetime
 *   <prefix>grant:<grantId>       set of model keys issued under the grant (any kind), for revokeByGrantId
 *   <prefix>uid:<Model>:<uid>     -> id, for findByUid (sessions)
 *   <prefix>userCode:<Model>:<c>  -> id, for findByUserCode (device flow)
 *
 * Every write that touches more than one key is a Lua script, so a revocation can never
 * miss a token saved in the same instant. The scripts name keys the set holds without
 * declaring them, which is fine on one Redis (REDIS_URL) but not on a Redis Cluster.
 */

// KEYS: model, grant set, uid index, userCode index. ARGV: payload, ttl (0 = none), id,
// then one flag per index ('1' = write it): absent indexes get a placeholder key that is never touched.
const UPSERT = `
local ttl = tonumber(ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'payload', ARGV[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
for i = 3, 4 do
  if ARGV[i + 2] == '1' then
    if ttl > 0 then redis.call('SET', KEYS[i], ARGV[3], 'EX', ttl) else redis.call('SET', KEYS[i], ARGV[3]) end
  end
end
if ARGV[4] == '1' then
  local existed = redis.call('EXISTS', KEYS[2])
  redis.call('SADD', KEYS[2], KEYS[1])
  local current = redis.call('TTL', KEYS[2])
  -- The index lives as long as the longest-lived model in it.
  if ttl == 0 then redis.call('PERSIST', KEYS[2])
  elseif existed == 0 or (current >= 0 and current < ttl) then redis.call('EXPIRE', KEYS[2], ttl) end
end
return 1`;

// Check-and-set: marks a live, unconsumed model consumed without resetting its expiry and
// returns 1; a missing (expired) or already consumed model is left alone and gives 0.
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1]) == 1 then return 1 end
return 0`;

const REVOKE = `
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return 1`;

interface Scripts {
  kenpoOidcUpsert(model: string, grant: string, uid: string, userCode: string, payload: string, ttl: number, id: string, ...flags: string[]): Promise<unknown>;
  kenpoOidcConsume(model: string, at: number): Promise<number>;
  kenpoOidcRevoke(grant: string): Promise<unknown>;
}

function withScripts(redis: Redis): Redis & Scripts {
  if (!('kenpoOidcUpsert' in redis)) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection.
    redis.defineCommand('kenpoOidcUpsert', { numberOfKeys: 4, lua: UPSERT });
    redis.defineCommand('kenpoOidcConsume', { numberOfKeys: 1, lua: CONSUME });
    redis.defineCommand('kenpoOidcRevoke', { numberOfKeys: 1, lua: REVOKE });
  }
  return redis as Redis & Scripts;
}

export function createRedisAdapterClass(redis: Redis, prefix = 'oidc:') {
  const client = withScripts(redis);
  const grantKey = (grantId: string) => `${prefix}grant:${grantId}`;
  const placeholder = `${prefix}unused`;

  return class RedisAdapter implements StorageAdapter {
    constructor(readonly name: string) {}

    private key(id: string): string {
      return `${prefix}${this.name}:${id}`;
    }

    private uidKey(uid: string): string {
      return `${prefix}uid:${this.name}:${uid}`;
    }

    private userCodeKey(userCode: string): string {
      return `${prefix}userCode:${this.name}:${userCode}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const ttl = expiresIn ? Math.max(1, Math.ceil(expiresIn)) : 0;
      const { grantId, uid, userCode } = payload;
      await client.kenpoOidcUpsert(
        this.key(id),
        grantId ? grantKey(grantId) : placeholder,
        uid ? this.uidKey(uid) : placeholder,
        userCode ? this.userCodeKey(userCode) : placeholder,
        JSON.stringify(payload),
        ttl,
        id,
        grantId ? '1' : '0',
        uid ? '1' : '0',
        userCode ? '1' : '0',
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const [payload, consumed] = await client.hmget(this.key(id), 'payload', 'consumed');
      if (!payload) return undefined;
      const parsed = JSON.parse(payload) as AdapterPayload;
      return consumed ? { ...parsed, consumed: Number(consumed) } : parsed;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await client.get(this.uidKey(uid));
      const payload = id ? await this.find(id) : undefined;
      // The index may outlive a change of uid on the model; the model is the truth.
      return payload?.uid === uid ? payload : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = await client.get(this.userCodeKey(userCode));
      const payload = id ? await this.find(id) : undefined;
      return payload?.userCode === userCode ? payload : undefined;
    }

    /** `true` for exactly one of any number of concurrent calls on a live model. */
    async consume(id: string): Promise<boolean> {
      return (await client.kenpoOidcConsume(this.key(id), Math.floor(Date.now() / 1000))) === 1;
    }

    async destroy(id: string): Promise<void> {
      // Index entries left behind expire with the model and are checked against it on read.
      await client.del(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await client.kenpoOidcRevoke(grantKey(grantId));
    }
  };
}

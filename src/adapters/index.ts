import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { createKnexAdapterClass } from './knex-adapter.js';
import { createRedisAdapterClass } from './redis-adapter.js';

export interface AdapterDeps {
  db: Knex;
  /** With REDIS_URL: the short-lived models of a login live in Redis. */
  redis?: Redis;
  /** REDIS_PREFIX; the models' keys go under `<prefix>oidc:`. */
  redisPrefix?: string;
  /** Client metadata by id, from the clients table. */
  findClient(clientId: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * Models that only live for the length of one login go to Redis when there is one.
 * Sessions, grants and tokens stay in the database: ending all of a member's sessions
 * (「全てのデバイスからサインアウトする」, disable, password reset) is then one transaction.
 */
export const REDIS_MODELS = new Set(['Interaction', 'AuthorizationCode', 'ReplayDetection', 'PushedAuthorizationRequest', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/** Picks the storage for each of oidc-provider's models. Clients are read-only, from the clients table. */
export function createAdapterFactory({ db, redis, redisPrefix = 'kenpo:', findClient }: AdapterDeps): new (name: string) => Adapter {
  const KnexAdapter = createKnexAdapterClass(db);
  const RedisAdapter = redis ? createRedisAdapterClass(redis, `${redisPrefix}oidc:`) : undefined;
  const refuse = async () => {
    throw new Error('clients are managed with `kenpo clients`, not through the provider');
  };
  return class implements Adapter {
    readonly #inner: Adapter;
    readonly #isClient: boolean;
    constructor(readonly name: string) {
      this.#inner = RedisAdapter && REDIS_MODELS.has(name) ? new RedisAdapter(name) : new KnexAdapter(name);
      this.#isClient = name === 'Client';
    }
    upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      return this.#isClient ? refuse() : this.#inner.upsert(id, payload, expiresIn);
    }
    async find(id: string) {
      return this.#isClient ? ((await findClient(id)) as AdapterPayload | undefined) : this.#inner.find(id);
    }
    findByUid(uid: string) {
      return this.#inner.findByUid(uid);
    }
    findByUserCode(userCode: string) {
      return this.#inner.findByUserCode(userCode);
    }
    consume(id: string) {
      return this.#inner.consume(id);
    }
    destroy(id: string) {
      return this.#isClient ? refuse() : this.#inner.destroy(id);
    }
    revokeByGrantId(grantId: string) {
      return this.#inner.revokeByGrantId(grantId);
    }
  };
}

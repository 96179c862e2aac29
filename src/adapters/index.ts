import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { createKnexAdapterClass } from './knex-adapter.js';
import { createRedisAdapterClass } from './redis-adapter.js';
import type { StorageAdapter } from './storage-adapter.js';
import { createStoredIds } from './stored-ids.js';

export interface AdapterDeps {
  db: Knex;
  /** With REDIS_URL: the short-lived models of a login live in Redis. */
  redis?: Redis;
  /** TOKEN_HASH_KEY: ids are stored only as its HMAC (see ./stored-ids.ts). */
  tokenHashKey: string;
  /** Client metadata by id, from the clients table. */
  findClient(clientId: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * Models that only live for the length of one login go to Redis when there is one.
 * Sessions, grants and tokens stay in the database: ending all of a member's sessions
 * (「全てのデバイスからサインアウトする」, disable, password reset) is then one transaction.
 */
export const REDIS_MODELS = new Set(['Interaction', 'AuthorizationCode', 'ReplayDetection', 'PushedAuthorizationRequest', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/**
 * Single-use models whose reuse means a leaked grant: the loser of a race for one of them
 * gets what a sequential reuse gets from oidc-provider, the whole grant revoked and
 * `invalid_grant`. (The label is oidc-provider's own wording for that refusal.)
 */
const GRANT_SOURCES: Record<string, string> = {
  AuthorizationCode: 'authorization code already consumed',
  RefreshToken: 'refresh token already used',
  DeviceCode: 'device code already consumed',
  BackchannelAuthenticationRequest: 'backchannel authentication request already consumed',
};

/** Every model that can carry a grant id, for revoking a grant on every backend. */
const GRANT_MODELS = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest'];

/** Picks the storage for each of oidc-provider's models. Clients are read-only, from the clients table. */
export function createAdapterFactory({ db, redis, tokenHashKey, findClient }: AdapterDeps): new (name: string) => Adapter {
  const ids = createStoredIds(tokenHashKey);
  const KnexAdapter = createKnexAdapterClass(db);
  const RedisAdapter = redis ? createRedisAdapterClass(redis, 'kenpo:oidc:') : undefined;
  const storageFor = (name: string): StorageAdapter => (RedisAdapter && REDIS_MODELS.has(name) ? new RedisAdapter(name) : new KnexAdapter(name));
  /** What oidc-provider's revoke(ctx, grantId) does: every token of the grant, then the grant. */
  const revokeGrant = async (grantId: string) => {
    await Promise.all([...GRANT_MODELS.map((name) => storageFor(name).revokeByGrantId(grantId)), storageFor('Grant').destroy(ids.hash(grantId))]);
  };
  const refuse = async () => {
    throw new Error('clients are managed with `kenpo clients`, not through the provider');
  };
  return class implements Adapter {
    readonly #inner: StorageAdapter;
    readonly #isClient: boolean;
    constructor(readonly name: string) {
      this.#inner = storageFor(name);
      this.#isClient = name === 'Client';
    }
    upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      return this.#isClient ? refuse() : this.#inner.upsert(ids.hash(id), ids.toStored(this.name, id, payload), expiresIn);
    }
    async find(id: string) {
      if (this.#isClient) return (await findClient(id)) as AdapterPayload | undefined;
      const stored = await this.#inner.find(ids.hash(id));
      return stored && ids.fromStored(this.name, id, stored);
    }
    async findByUid(uid: string) {
      const stored = await this.#inner.findByUid(uid);
      return stored && ids.fromStored(this.name, undefined, stored);
    }
    async findByUserCode(userCode: string) {
      const stored = await this.#inner.findByUserCode(userCode);
      return stored && ids.fromStored(this.name, undefined, stored);
    }
    /**
     * oidc-provider reads a model, checks `consumed`, then calls consume: two requests can
     * both pass the check. Only the one whose conditional write wins goes on; the others
     * are refused here exactly as the provider refuses a sequential reuse.
     */
    async consume(id: string): Promise<void> {
      if (await this.#inner.consume(ids.hash(id))) return;
      // Loaded here, not at the top: the CLI opens the services (and this module) without the provider.
      const { errors } = await import('oidc-provider');
      if (this.name === 'PushedAuthorizationRequest') {
        throw new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
      }
      const grantId = (await this.#inner.find(ids.hash(id)))?.grantId;
      if (grantId && this.name in GRANT_SOURCES) await revokeGrant(grantId);
      throw new errors.InvalidGrant(GRANT_SOURCES[this.name] ?? `${this.name} already consumed`);
    }
    destroy(id: string) {
      return this.#isClient ? refuse() : this.#inner.destroy(ids.hash(id));
    }
    revokeByGrantId(grantId: string) {
      return this.#inner.revokeByGrantId(grantId);
    }
  };
}

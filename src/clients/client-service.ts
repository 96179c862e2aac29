import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { SecretBox } from '../crypto/secret-box.js';
import { createAuditStore } from '../db/audit-store.js';
import { createClientStore, type ClientMetadata, type ClientRecord } from '../db/client-store.js';
import { InvalidInput, NotFound } from '../errors.js';
import { createTtlCache } from '../ttl-cache.js';

const SEAL_CONTEXT = 'clients.client_secret';

/**
 * How long a process may go on using a client's metadata after `kenpo clients rotate-secret`
 * or `remove` changed it elsewhere: every token request needs the client, and reading and
 * decrypting it each time was a statement and an AES-GCM open per request.
 */
export const CLIENT_CACHE_TTL_MS = 1_000;

export interface NewClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  firstParty?: boolean;
  /** A public client (no secret, PKCE only), e.g. a native app. */
  public?: boolean;
  /** Grant types; refresh tokens are on by default. */
  refreshTokens?: boolean;
  /** 'optional' lets a confidential client leave PKCE out (products whose libraries never send it). */
  pkce?: 'required' | 'optional';
}

function checkUris(uris: string[], what: string): void {
  for (const uri of uris) {
    let parsed: URL;
    try {
      parsed = new URL(uri);
    } catch {
      throw new InvalidInput('errors.uri_not_absolute', `${what} ${uri} is not an absolute URL`, { uri });
    }
    if (parsed.hash) throw new InvalidInput('errors.uri_fragment', `${what} ${uri} must not have a fragment`, { uri });
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname))) {
      throw new InvalidInput('errors.uri_not_https', `${what} ${uri} must use https (http only for localhost)`, { uri });
    }
  }
}

export function createClientService(db: Knex, box: SecretBox) {
  const store = createClientStore(db);
  const mustFind = async (clientId: string): Promise<ClientRecord> => {
    const client = await store.find(clientId);
    if (!client) throw new NotFound('errors.client_not_found', `no client with id ${clientId}`, { client_id: clientId });
    return client;
  };
  const newSecret = () => randomBytes(32).toString('base64url');
  const metadataCache = createTtlCache(
    async (clientId: string): Promise<Record<string, unknown> | undefined> => {
      const client = await store.find(clientId);
      if (!client) return undefined;
      return {
        ...client.metadata,
        client_id: client.clientId,
        ...(client.sealedSecret ? { client_secret: box.open(client.sealedSecret, SEAL_CONTEXT) } : {}),
        first_party: client.firstParty,
        pkce_required: client.pkceRequired,
      };
    },
    { ttlMs: CLIENT_CACHE_TTL_MS, maxEntries: 1_000 },
  );

  return {
    async add(input: NewClient): Promise<{ client: ClientRecord; clientSecret: string | null }> {
      if (!input.name.trim()) throw new InvalidInput('errors.client_name_required', 'a client needs a name');
      if (input.redirectUris.length === 0) throw new InvalidInput('errors.redirect_uri_required', 'a client needs at least one redirect URI');
      checkUris(input.redirectUris, 'redirect URI');
      checkUris(input.postLogoutRedirectUris ?? [], 'post-logout redirect URI');
      if (input.pkce === 'optional' && input.public) throw new InvalidInput('errors.pkce_public', 'a public client always needs PKCE');
      // Hex, so an id never starts with '-' and reads as an option on a command line.
      const clientId = randomBytes(16).toString('hex');
      const clientSecret = input.public ? null : newSecret();
      const metadata: ClientMetadata = {
        client_name: input.name,
        redirect_uris: input.redirectUris,
        post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
        grant_types: input.refreshTokens === false ? ['authorization_code'] : ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: input.public ? 'none' : 'client_secret_basic',
      };
      const client = { clientId, name: input.name, sealedSecret: clientSecret && box.seal(clientSecret, SEAL_CONTEXT), metadata, firstParty: Boolean(input.firstParty), pkceRequired: input.pkce !== 'optional' };
      await db.transaction(async (trx) => {
        await createClientStore(trx).insert(client);
        await createAuditStore(trx).record({ actor: 'operator', event: 'client.added', clientId });
      });
      return { client: (await store.find(clientId))!, clientSecret };
    },

    list: () => store.list(),
    show: mustFind,
    findByName: (name: string) => store.findByName(name),

    async rotateSecret(clientId: string): Promise<string> {
      const client = await mustFind(clientId);
      if (!client.sealedSecret) throw new InvalidInput('errors.client_public', `client ${clientId} is public and has no secret`, { client_id: clientId });
      const secret = newSecret();
      await db.transaction(async (trx) => {
        await createClientStore(trx).updateSecret(clientId, box.seal(secret, SEAL_CONTEXT));
        await createAuditStore(trx).record({ actor: 'operator', event: 'client.secret_rotated', clientId });
      });
      metadataCache.forget(clientId);
      return secret;
    },

    /** Tokens already issued to the client stop working: every use looks the client up (other processes within CLIENT_CACHE_TTL_MS). */
    async remove(clientId: string): Promise<void> {
      await mustFind(clientId);
      await db.transaction(async (trx) => {
        await createClientStore(trx).remove(clientId);
        await createAuditStore(trx).record({ actor: 'operator', event: 'client.removed', clientId });
      });
      metadataCache.forget(clientId);
    },

    /**
     * What oidc-provider's Client model reads: the stored metadata with the secret opened,
     * cached in this process for CLIENT_CACHE_TTL_MS. A copy each time: the provider may keep it.
     */
    async providerMetadata(clientId: string): Promise<Record<string, unknown> | undefined> {
      const metadata = await metadataCache.get(clientId);
      return metadata && structuredClone(metadata);
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;

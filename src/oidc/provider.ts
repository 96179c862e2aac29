import type { Context } from 'koa';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Adapter } from 'oidc-provider';
import { accountClient } from '../account/client.js';
import type { Config } from '../config.js';
import type { Member } from '../db/member-store.js';
import { fromUiLocales, isLang, translator } from '../i18n.js';
import { pageLocals, renderView, type PageState } from '../views.js';
import { CLAIMS, createFindAccount } from './find-account.js';
import type { PrivateJwk } from './keys.js';

export const ACR = { password: 'urn:kenpo:acr:password', mfa: 'urn:kenpo:acr:mfa' } as const;

/**
 * Seconds a session is kept from now: the idle timeout, never past the absolute timeout
 * counted from the login. oidc-provider saves the session again (with this TTL) on every
 * request that uses it, so activity slides the idle expiry; a session found expired is
 * no session, and the member logs in again.
 */
export function sessionTtl(limits: Config['session'], loginTs: number | undefined, now = Math.floor(Date.now() / 1000)): number {
  if (!loginTs) return limits.idleSeconds;
  return Math.max(1, Math.min(limits.idleSeconds, loginTs + limits.absoluteSeconds - now));
}

/**
 * Seconds a refresh token is kept: until the absolute timeout counted from the login it
 * descends from (a rotated token keeps its auth_time), so no chain of refreshes outlives it.
 */
export function refreshTokenTtl(limits: Config['session'], authTime: number | undefined, now = Math.floor(Date.now() / 1000)): number {
  if (!authTime) return limits.absoluteSeconds;
  return Math.max(1, authTime + limits.absoluteSeconds - now);
}

export interface ProviderDeps {
  config: Config;
  adapter: new (name: string) => Adapter;
  keys: PrivateJwk[];
  findMember(id: string): Promise<Member | undefined>;
  /** What a member once allowed a third-party client, kept across provider sessions until revoked. */
  rememberedConsent?(memberId: string, clientId: string): Promise<RememberedConsent>;
}

export interface RememberedConsent {
  scopes: string[];
  claims: string[];
}

/** The member's choice (?lang=) first, then the relying party's ui_locales (end-session), then the usual order. */
const langOf = (ctx: Context) =>
  (isLang(ctx.query.lang) ? ctx.query.lang : undefined) ??
  fromUiLocales((ctx as Partial<KoaContextWithOIDC>).oidc?.params?.ui_locales) ??
  (ctx.state as PageState).lang ??
  'ja';

async function page(ctx: Context, view: string, locals: Record<string, unknown>): Promise<void> {
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = await renderView(langOf(ctx), view, { ...pageLocals(ctx), ...locals });
}

function isFirstParty(client: unknown): boolean {
  return (client as { first_party?: boolean } | undefined)?.first_party === true;
}

/**
 * First-party clients (the society's own apps) get what they ask for without a consent page.
 * A third-party client gets, in a new provider session, what the member allowed it before
 * (remembered until revoked); only what it asks beyond that brings the consent page back.
 */
function createLoadExistingGrant(rememberedConsent: ProviderDeps['rememberedConsent']) {
  return async function loadExistingGrant(ctx: KoaContextWithOIDC) {
    const { oidc } = ctx;
    const client = oidc.client!;
    const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session!.grantIdFor(client.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    const requested = { scopes: [...oidc.requestParamScopes], claims: oidc.requestParamClaims ? [...oidc.requestParamClaims] : [] };
    let allowed = requested;
    if (!isFirstParty(client)) {
      if (existing || !rememberedConsent) return existing;
      const remembered = await rememberedConsent(oidc.session!.accountId!, client.clientId);
      allowed = { scopes: requested.scopes.filter((s) => remembered.scopes.includes(s)), claims: requested.claims.filter((c) => remembered.claims.includes(c)) };
      if (!allowed.scopes.length) return undefined;
    }
    const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session!.accountId! });
    grant.addOIDCScope(allowed.scopes.join(' '));
    if (allowed.claims.length) grant.addOIDCClaims(allowed.claims);
    await grant.save();
    return grant;
  };
}

export function createProvider({ config, adapter, keys, findMember, rememberedConsent }: ProviderDeps): Provider {
  const configuration: Configuration = {
    adapter,
    clients: [accountClient(config)],
    findAccount: createFindAccount(findMember),
    jwks: { keys: keys as unknown as NonNullable<Configuration['jwks']>['keys'] },
    cookies: { keys: [...config.cookieKeys] },
    claims: CLAIMS as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'profile', 'email', 'member'],
    responseTypes: ['code'],
    // PKCE always for public clients; a confidential one may be registered with --pkce optional.
    pkce: { required: (_ctx, client) => client.tokenEndpointAuthMethod === 'none' || (client as { pkce_required?: boolean }).pkce_required !== false },
    // A relying party names its redirect URI even when it registered one (DESIGN).
    allowOmittingSingleRegisteredRedirectUri: false,
    discovery: { ui_locales_supported: ['ja', 'en'] },
    acrValues: Object.values(ACR),
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata: {
      properties: ['first_party', 'pkce_required'],
      validator(_ctx, key, value) {
        if (value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
        }
      },
    },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'], userinfoSigningAlgValues: ['RS256', 'ES256'] },
    features: {
      devInteractions: { enabled: false },
      // A relying party may introspect or revoke only the tokens issued to it.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => page(ctx, 'logout', { form }),
        postLogoutSuccessSource: (ctx) => page(ctx, 'logged-out', {}),
      },
    },
    // Also the interaction cookie's path: every step must be under it (straight-to-login.ts sends a new login to its first step).
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // A client allowed the refresh_token grant gets one without asking for offline_access (DESIGN).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every use rotates; reusing a rotated token revokes the whole grant (oidc-provider does that on a consumed token).
    rotateRefreshToken: true,
    // A relying party's tokens are not bound to the provider's session: the member may be busy
    // at the relying party (which keeps its own idle and absolute timeouts) long after the
    // provider's session went idle. Logout still revokes them (oidc-provider revokes the
    // grants of the session's clients), and refresh tokens end with the absolute timeout.
    expiresWithSession: async () => false,
    loadExistingGrant: createLoadExistingGrant(rememberedConsent),
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: (_ctx, session) => sessionTtl(config.session, session.loginTs),
      Grant: 30 * 24 * 3600,
      RefreshToken: (_ctx, token) => refreshTokenTtl(config.session, token.authTime),
    },
    async renderError(ctx, out) {
      const t = translator(langOf(ctx));
      await page(ctx, 'error', { message: t('errors.bad_request'), detail: out.error_description ?? out.error });
    },
  };
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  // ctx.ip is then the last X-Forwarded-For entry, the one our proxy appended: the leftmost
  // ones are whatever the client sent, and the per-address throttle must not trust them.
  provider.maxIpsCount = 1;
  return provider;
}

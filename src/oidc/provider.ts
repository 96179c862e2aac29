import type { Context } from 'koa';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Adapter } from 'oidc-provider';
import type { Config } from '../config.js';
import type { Member } from '../db/member-store.js';
import { translator } from '../i18n.js';
import { renderView, type PageState } from '../views.js';
import { CLAIMS, createFindAccount } from './find-account.js';
import type { PrivateJwk } from './keys.js';

export const ACR = { password: 'urn:kenpo:acr:password', mfa: 'urn:kenpo:acr:mfa' } as const;

export interface ProviderDeps {
  config: Config;
  adapter: new (name: string) => Adapter;
  keys: PrivateJwk[];
  findMember(id: string): Promise<Member | undefined>;
}

const langOf = (ctx: Context) => (ctx.state as PageState).lang ?? 'ja';

async function page(ctx: Context, view: string, locals: Record<string, unknown>): Promise<void> {
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = await renderView(langOf(ctx), view, locals);
}

function isFirstParty(client: unknown): boolean {
  return (client as { first_party?: boolean } | undefined)?.first_party === true;
}

/** First-party clients (the society's own apps) get what they ask for without a consent page. */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const client = oidc.client!;
  const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session!.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(client)) return existing;
  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session!.accountId! });
  grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
  const claims = oidc.requestParamClaims ? [...oidc.requestParamClaims] : [];
  if (claims.length) grant.addOIDCClaims(claims);
  await grant.save();
  return grant;
}

export function createProvider({ config, adapter, keys, findMember }: ProviderDeps): Provider {
  const configuration: Configuration = {
    adapter,
    findAccount: createFindAccount(findMember),
    jwks: { keys: keys as unknown as NonNullable<Configuration['jwks']>['keys'] },
    cookies: { keys: [...config.cookieKeys] },
    claims: CLAIMS as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'profile', 'email', 'member'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    acrValues: Object.values(ACR),
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata: {
      properties: ['first_party'],
      validator(_ctx, key, value) {
        if (key === 'first_party' && value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata('first_party must be a boolean');
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
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // A client allowed the refresh_token grant gets one without asking for offline_access (DESIGN).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every use rotates; reusing a rotated token revokes the whole grant (oidc-provider does that on a consumed token).
    rotateRefreshToken: true,
    loadExistingGrant,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 8 * 3600,
      Grant: 30 * 24 * 3600,
      RefreshToken: 8 * 3600,
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

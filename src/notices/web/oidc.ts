import * as client from 'openid-client';
import type { NoticesConfig } from '../config.js';
import type { Logger } from '../log.js';

export interface OidcDeps {
  config: Pick<NoticesConfig, 'issuer' | 'client' | 'url'>;
  logger: Logger;
}

/**
 * The provider as openid-client sees it, discovered on first use (and again after a
 * failure), so the app can start before the provider does.
 */
export function createOidc({ config, logger }: OidcDeps) {
  if (!config.client) throw new Error('NOTICES_CLIENT_ID and NOTICES_CLIENT_SECRET are required to sign members in');
  const { id, secret } = config.client;
  let discovered: Promise<client.Configuration> | undefined;

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(new URL(config.issuer), id, secret, client.ClientSecretBasic(secret), {
        // Plain http only where the issuer itself is http (development and tests on localhost).
        execute: new URL(config.issuer).protocol === 'http:' ? [client.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        discovered = undefined;
        logger.warn({ err: error, issuer: config.issuer }, 'OpenID Connect discovery failed');
        throw error;
      });
    return discovered;
  }

  const redirectUri = `${config.url}/callback`;
  const postLogoutRedirectUri = `${config.url}/logged-out`;

  return {
    configuration,
    redirectUri,
    postLogoutRedirectUri,

    /** Code flow with PKCE (S256), state and nonce; the member's language goes along as ui_locales. */
    async authorizationUrl(checks: { state: string; nonce: string; verifier: string }, lang: string): Promise<URL> {
      return client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: 'openid profile email member',
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(checks.verifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
        ui_locales: lang,
      });
    },

    /**
     * Checks the response (state, and iss where the provider sends it — ours does, RFC 9207),
     * redeems the code with the verifier, and validates the ID token (signature, iss, aud, nonce).
     */
    async redeem(query: string, checks: { state: string; nonce: string; verifier: string }) {
      const config_ = await configuration();
      const tokens = await client.authorizationCodeGrant(config_, new URL(`${redirectUri}?${query}`), {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      const userinfo = await client.fetchUserInfo(config_, tokens.access_token, claims.sub);
      return { tokens, claims, userinfo };
    },

    async refresh(refreshToken: string) {
      return client.refreshTokenGrant(await configuration(), refreshToken);
    },

    async endSessionUrl(idTokenHint: string | undefined): Promise<URL> {
      const params: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri };
      if (idTokenHint) params.id_token_hint = idTokenHint;
      return client.buildEndSessionUrl(await configuration(), params);
    },

    randomChecks() {
      return { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
    },
  };
}

export type Oidc = ReturnType<typeof createOidc>;

/** The provider said no (an OAuth error response), as opposed to being unreachable. */
export function isRefusal(error: unknown): boolean {
  return error instanceof client.ResponseBodyError || error instanceof client.AuthorizationResponseError;
}

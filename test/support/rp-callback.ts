import * as client from 'openid-client';
import type { BrowserContext, Request } from 'playwright-core';
import { POST_LOGOUT_URI, REDIRECT_URI, type AuthorizationRequest, type TestRp } from './relying-party.js';

/** Where the test relying party's redirect and post-logout URIs point; nothing listens there. */
const RP_ORIGIN = new URL(REDIRECT_URI).origin;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RpCatcher {
  /** Every URL of the relying party the browser was sent to, in order. */
  urls(): string[];
  /**
   * Waits until the browser is sent to a URL of the relying party that `matches`, and until
   * that navigation has ended (in the stub page or in Chromium's error page), so that the
   * test's next page.goto is not interrupted by it.
   */
  waitFor(matches: (url: URL) => boolean, what: string, timeoutMs?: number): Promise<URL>;
}

/** Until the request has its response or has failed and, for a navigation, its frame has moved on to the outcome. */
async function settled(request: Request, deadline: number): Promise<void> {
  await request.response().catch(() => null);
  if (!request.isNavigationRequest()) return;
  const frame = request.frame();
  while (!frame.isDetached() && frame.url() !== request.url() && !frame.url().startsWith('chrome-error:') && Date.now() < deadline) await sleep(20);
}

/**
 * The test relying party's URIs (REDIRECT_URI, POST_LOGOUT_URI) are not served. Chromium
 * does not hand the target of a provider's redirect to context.route (the stub below only
 * answers direct visits), so the navigation there usually fails with
 * net::ERR_CONNECTION_REFUSED and page.waitForURL cannot be relied on. The URL is taken from
 * the context's request event instead, which Chromium reports either way.
 */
export async function catchRelyingParty(context: BrowserContext): Promise<RpCatcher> {
  const seen: Request[] = [];
  context.on('request', (request) => {
    if (request.url().startsWith(`${RP_ORIGIN}/`)) seen.push(request);
  });
  await context.route(`${RP_ORIGIN}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'relying party' }));
  return {
    urls: () => seen.map((request) => request.url()),
    async waitFor(matches, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find((request) => matches(new URL(request.url())));
        if (found) {
          await settled(found, deadline);
          return new URL(found.url());
        }
        if (Date.now() > deadline) throw new Error(`the browser never reached ${what}; it reached: ${seen.map((r) => r.url()).join(', ') || 'nothing'}`);
        await sleep(50);
      }
    },
  };
}

const at = (uri: string, url: URL) => `${url.origin}${url.pathname}` === uri;

/** The relying party's callback for `request` (matched by its state), carrying the code. */
export function callbackFor(catcher: RpCatcher, request: AuthorizationRequest): Promise<URL> {
  return catcher.waitFor((url) => at(REDIRECT_URI, url) && url.searchParams.get('state') === request.state, `${REDIRECT_URI} with state ${request.state}`);
}

/** Waits for the relying party's callback of `request` and exchanges its code with openid-client. */
export async function tokensAtRp(rp: TestRp, catcher: RpCatcher, request: AuthorizationRequest) {
  const back = await callbackFor(catcher, request);
  return client.authorizationCodeGrant(rp.config, back, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
}

/** The provider's redirect to the post-logout URI after RP-initiated logout, carrying `state`. */
export function postLogoutFor(catcher: RpCatcher, state: string): Promise<URL> {
  return catcher.waitFor((url) => at(POST_LOGOUT_URI, url) && url.searchParams.get('state') === state, `${POST_LOGOUT_URI} with state ${state}`);
}

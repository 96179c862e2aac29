import * as client from 'openid-client';
import type { RunningIdp } from '../src/server.js';
import type { RegisteredMember } from '../test/support/idp.js';
import type { TestRp } from '../test/support/relying-party.js';
import { runLoad, type LoadOptions, type Probes, type ScenarioResult } from './load.js';
import { logIn } from './login.js';
import type { PhaseTimes } from './stats.js';

export interface ScenarioContext {
  idp: RunningIdp;
  rp: TestRp;
  members: RegisteredMember[];
  probes: Probes;
  load: LoadOptions;
}

/** Worker w gets members w, w+c, w+2c…: no two workers ever sign the same member in at once. */
function membersOf(members: RegisteredMember[], concurrency: number): RegisteredMember[][] {
  return Array.from({ length: concurrency }, (_, w) => members.filter((_, i) => i % concurrency === w));
}

/** Full logins, each worker going round its own members. */
export function loginScenario(ctx: ScenarioContext, phases?: PhaseTimes, name = 'login (full, openid-client RP)'): Promise<ScenarioResult> {
  const own = membersOf(ctx.members, ctx.load.concurrency);
  const turn = own.map(() => 0);
  return runLoad(name, 'login', ctx.load, {
    run: async (w) => {
      const list = own[w]!;
      const k = turn[w]!;
      turn[w] = k + 1;
      await logIn(ctx.idp, ctx.rp, list[k % list.length]!, phases);
    },
  }, ctx.probes);
}

type TokenSet = Pick<client.TokenEndpointResponse, 'access_token' | 'refresh_token'>;

/**
 * One signed-in member per worker, whose tokens the refresh and userinfo scenarios use.
 * Refresh tokens rotate, so each worker keeps the newest one of its own chain.
 */
export async function signedInMembers(ctx: ScenarioContext) {
  const own = membersOf(ctx.members, ctx.load.concurrency).map((list) => list[0]!);
  const tokens: TokenSet[] = await Promise.all(own.map((member) => logIn(ctx.idp, ctx.rp, member)));
  const renew = async (w: number) => {
    tokens[w] = await logIn(ctx.idp, ctx.rp, own[w]!);
  };
  return { own, tokens, renew };
}

export type SignedIn = Awaited<ReturnType<typeof signedInMembers>>;

/** refresh_token grant with rotation: every answer must carry a new refresh token. */
export function refreshScenario(ctx: ScenarioContext, signedIn: SignedIn): Promise<ScenarioResult> {
  return runLoad('token refresh (rotating)', 'refresh', ctx.load, {
    run: async (w) => {
      const current = signedIn.tokens[w]!;
      const next = await client.refreshTokenGrant(ctx.rp.config, current.refresh_token!);
      if (!next.refresh_token || next.refresh_token === current.refresh_token) throw new Error('the refresh token was not rotated');
      signedIn.tokens[w] = next;
    },
    // A failed refresh may have consumed the token: start a new chain with a fresh login.
    recover: (w) => signedIn.renew(w),
  }, ctx.probes);
}

/** GET /me with the newest access token; openid-client checks the subject. */
export function userinfoScenario(ctx: ScenarioContext, signedIn: SignedIn): Promise<ScenarioResult> {
  return runLoad('userinfo', 'call', ctx.load, {
    run: async (w) => {
      const member = signedIn.own[w]!;
      const info = await client.fetchUserInfo(ctx.rp.config, signedIn.tokens[w]!.access_token, member.member.id);
      if (info.preferred_username !== member.loginId) throw new Error(`userinfo gave preferred_username ${String(info.preferred_username)}`);
    },
    recover: (w) => signedIn.renew(w),
  }, ctx.probes);
}

/**
 * One thread of the load generator (never in the provider's process). It is given slots,
 * each an independent client running one operation after another until the deadline,
 * and posts back every latency and every error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as client from 'openid-client';
import type { TestRp } from '../test/support/relying-party.js';
import { bareLogin, firstRegistration, fullLogin, loginPage, stepNow, type BenchMember, type ImportedMember, type Tokens } from './journeys.js';
import { fromAddress, loopbackFetch, memberAddress } from './loopback-fetch.js';

export type Task =
  | { kind: 'login'; slots: BenchMember[][] }
  | { kind: 'login-page'; slots: number }
  | { kind: 'register'; slots: ImportedMember[][] }
  | { kind: 'refresh' | 'userinfo' | 'introspection'; slots: BenchMember[]; bare: boolean };

export interface WorkerInput {
  issuer: string;
  clientId: string;
  clientSecret: string;
  outbox: string;
  /** Seconds to run once every thread is ready; a registration slot also stops when its members run out. */
  seconds: number;
  /** At most this many operations per slot (the set-up registers everyone, whatever the time). */
  maxPerSlot: number;
  task: Task;
}

export interface WorkerOutput {
  latenciesMs: number[];
  errors: Record<string, number>;
  /** Members with their last TOTP step (login), or newly registered (register). */
  members: BenchMember[];
}

globalThis.fetch = loopbackFetch;
const input = workerData as WorkerInput;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<WorkerOutput> {
  const config = await client.discovery(new URL(input.issuer), input.clientId, input.clientSecret, undefined, { execute: [client.allowInsecureRequests] });
  const rp: TestRp = { config, clientId: input.clientId, clientSecret: input.clientSecret };
  const idp = { url: new URL(input.issuer).origin };
  const task = input.task;
  // A relying party's back end holds tokens before the clock starts: one login per slot.
  const signIn = (member: BenchMember, bare: boolean) => fromAddress(memberAddress(member.n), () => (bare ? bareLogin(rp, idp, member.loginId) : fullLogin(rp, idp, member)));
  const held: Tokens[] = 'bare' in task ? await Promise.all(task.slots.map((m) => signIn(m, task.bare))) : [];
  // Ready: the orchestrator starts every thread's clock at once, when all are.
  parentPort!.postMessage({ ready: true });
  const deadline = await new Promise<number>((resolve) => parentPort!.once('message', (m: { deadline: number }) => resolve(m.deadline)));
  const out: WorkerOutput = { latenciesMs: [], errors: {}, members: [] };
  const fail = (error: unknown) => {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160);
    out.errors[message] = (out.errors[message] ?? 0) + 1;
  };

  /** Runs `op` until the deadline (or `op` says there is nothing left), timing each. */
  const loop = async (op: () => Promise<boolean | void>) => {
    for (let done = 0; Date.now() < deadline && done < input.maxPerSlot; done += 1) {
      const started = performance.now();
      try {
        if ((await op()) === false) return;
        out.latenciesMs.push(performance.now() - started);
      } catch (error) {
        fail(error);
      }
    }
  };

  if (task.kind === 'login') {
    await Promise.all(
      task.slots.map(async (members) => {
        let next = 0;
        if (members.length === 0) return;
        await loop(async () => {
          // The next member of this slot whose code for the current step is still unused.
          let member = members[next % members.length]!;
          while (member.lastStep >= stepNow()) {
            await sleep(Math.max(10, (stepNow() + 1) * 30_000 - Date.now()));
            if (Date.now() >= deadline) return false;
          }
          next += 1;
          await fromAddress(memberAddress(member.n), () => fullLogin(rp, idp, member));
        });
      }),
    );
    out.members = task.slots.flat();
  } else if (task.kind === 'login-page') {
    await Promise.all(Array.from({ length: task.slots }, (_, s) => loop(() => fromAddress(memberAddress(60_000 + s), () => loginPage(rp, idp)))));
  } else if (task.kind === 'register') {
    await Promise.all(
      task.slots.map(async (members) => {
        let next = 0;
        await loop(async () => {
          const member = members[next++];
          if (!member) return false;
          out.members.push(await fromAddress(memberAddress(member.n), () => firstRegistration(rp, idp, member, input.outbox)));
        });
      }),
    );
  } else {
    // A relying party's back end: one address, its own token chain per slot.
    await Promise.all(
      task.slots.map(async (member, slot) => {
        let tokens: Tokens = held[slot]!;
        const sub = task.bare ? member.loginId : member.sub;
        await loop(async () => {
          try {
            if (task.kind === 'refresh') {
              const next = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
              if (!next.refresh_token || next.refresh_token === tokens.refresh_token) throw new Error('the refresh token was not rotated');
              tokens = next;
            } else if (task.kind === 'userinfo') {
              const info = await client.fetchUserInfo(rp.config, tokens.access_token, sub);
              if (info.sub !== sub) throw new Error('userinfo names another subject');
            } else {
              const info = await client.tokenIntrospection(rp.config, tokens.access_token);
              if (!info.active || info.sub !== sub) throw new Error('the access token was not introspected as active');
            }
          } catch (error) {
            // A failed refresh may have spent the token: a new chain needs a new login (next step's code).
            if (task.kind === 'refresh') {
              while (!task.bare && member.lastStep >= stepNow()) await sleep(200);
              tokens = await signIn(member, task.bare);
            }
            throw error;
          }
        });
      }),
    );
    out.members = task.slots;
  }
  return out;
}

main().then(
  (out) => parentPort!.postMessage({ done: out }),
  (error: unknown) => parentPort!.postMessage({ done: { latenciesMs: [], errors: { [`load worker failed: ${(error as Error).message}`]: 1 }, members: [] } satisfies WorkerOutput }),
);

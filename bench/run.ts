/**
 * The benchmark: the real identity provider in this process, driven by openid-client and
 * cookie-keeping HTTP clients. `npm run bench -- --help` lists the options.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { openBackend } from './backend.js';
import { importScenarios } from './import-scenarios.js';
import { addMembers, benchRp } from './login.js';
import { describeMachine } from './machine.js';
import { MemorySampler, memoryNow } from './memory.js';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options.js';
import { formatReport, type BenchReport } from './report.js';
import { QueryProbe } from './queries.js';
import { PhaseTimes } from './stats.js';
import { loginScenario, refreshScenario, signedInMembers, userinfoScenario, type ScenarioContext } from './token-scenarios.js';

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function bench(options: BenchOptions): Promise<BenchReport> {
  const machine = describeMachine();
  const memory = new MemorySampler();
  const beforeStart = memoryNow();
  memory.start();

  const backend = await openBackend(process.env);
  try {
    const { idp } = backend;
    const afterStart = memory.sample();
    progress(`provider at ${idp.url}; storage ${backend.storage}; short-lived models in ${backend.shortLived}`);

    const setupStarted = performance.now();
    const members = await addMembers(idp, options.members, 8);
    const setup = { members: members.length, seconds: (performance.now() - setupStarted) / 1000 };
    progress(`${members.length} registered members in ${setup.seconds.toFixed(1)} s`);

    const probes = { memory, queries: new QueryProbe(idp.services.db) };
    const ctx: ScenarioContext = { idp, rp: await benchRp(idp), members, probes, load: options };
    // Warm-up (JIT, connection pools, the JWKS cache): not reported.
    await loginScenario({ ...ctx, load: { ...options, iterations: options.concurrency * 2 } }, undefined, 'warm-up');

    const phases = new PhaseTimes();
    progress('logins…');
    const scenarios = [await loginScenario(ctx, phases)];
    const signedIn = await signedInMembers(ctx);
    progress('token refresh…');
    scenarios.push(await refreshScenario(ctx, signedIn));
    progress('userinfo…');
    scenarios.push(await userinfoScenario(ctx, signedIn));
    progress(`member import (${options.importRows} rows)…`);
    scenarios.push(...(await importScenarios(idp.services.db, options.importRows, probes)));

    memory.stop();
    // With `node --expose-gc` the end figure is taken after a full collection: what stays, not garbage.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return {
      date: new Date().toISOString(),
      command: ['node', ...process.argv.slice(1)].join(' '),
      machine,
      loadAverageAtEnd: Math.round(loadavg()[0]! * 100) / 100,
      backend: { storage: backend.storage, shortLived: backend.shortLived, argon2: { ...idp.config.argon2 } },
      options,
      setup,
      scenarios,
      loginPhases: phases.summary(),
      memory: { beforeStart, afterStart, after: memoryNow(), afterGc: gc !== undefined, peak: memory.peak },
    };
  } finally {
    await backend.close();
  }
}

async function main(): Promise<void> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const report = await bench(options);
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  if (report.scenarios.some((s) => s.errors > 0)) process.exitCode = 1;
}

await main();

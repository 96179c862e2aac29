import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Knex } from 'knex';

/**
 * What the domain reports about sign-ins, without knowing about Prometheus (members/ and
 * interactions/ take this interface, never prom-client).
 */
export interface AuthEvents {
  /** A login interaction finished: the member is signed in (`acr`: password only, or with a second factor). */
  signedIn(acr: 'password' | 'mfa'): void;
  /** A failed attempt: the factor that failed (password, birthdate, otp, …), or why a login was refused (unknown_id, locked, disabled). */
  failed(reason: string): void;
  /** An account was locked by too many consecutive failures. */
  lockedOut(): void;
}

/** Reasons are names from the code, never input; the pattern only keeps a mistake from widening the label set. */
const REASON = /^[a-z][a-z_-]{0,23}$/;

export interface Metrics extends AuthEvents {
  readonly registry: Registry;
  /** A successful token request by grant type (oidc-provider's grant.success). */
  granted(grantType: string): void;
  /** A refused token request, by grant type and OAuth error code. */
  grantRefused(grantType: string, error: string): void;
  /** One HTTP request, by route label (bounded, see http.ts). */
  request(route: string, method: string, status: number, seconds: number): void;
  /** Counts waits for a database connection and reads the pool's queue at each scrape. */
  watchDatabase(db: Knex): void;
  /** Reads the length of the password hasher's bounded queue at each scrape. */
  watchPasswordQueue(length: () => number): void;
  /** Node's own process metrics (CPU, memory, event loop, GC): for a serving process, not for the CLI. */
  collectProcessMetrics(): void;
}

const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:openid:params:grant-type:ciba']);
const bounded = (value: string, allowed: Set<string> | RegExp) => ((allowed instanceof Set ? allowed.has(value) : allowed.test(value)) ? value : 'other');

/** One registry per provider (tests run several in one process); in a cluster the primary sums the workers' registries. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const on = { registers: [registry] };
  // Each worker reports 1: the primary's sum says how many workers answered the scrape.
  new Gauge({ name: 'kenpo_workers', help: 'Provider processes whose metrics are included (1 per worker)', ...on }).set(1);
  const logins = new Counter({ name: 'kenpo_logins_total', help: 'Completed logins: the member is signed in', labelNames: ['acr'], ...on });
  const failures = new Counter({ name: 'kenpo_login_failures_total', help: 'Failed or refused login attempts, by failed factor or refusal reason', labelNames: ['reason'], ...on });
  const lockouts = new Counter({ name: 'kenpo_lockouts_total', help: 'Accounts locked by consecutive failures', ...on });
  const throttled = new Counter({ name: 'kenpo_throttled_requests_total', help: 'Requests refused with 429 (per-address throttle)', labelNames: ['route'], ...on });
  const grants = new Counter({ name: 'kenpo_token_grants_total', help: 'Successful token requests, by grant type', labelNames: ['grant_type'], ...on });
  const refusedGrants = new Counter({ name: 'kenpo_token_grant_errors_total', help: 'Refused token requests, by grant type and error', labelNames: ['grant_type', 'error'], ...on });
  const latency = new Histogram({
    name: 'kenpo_http_request_duration_seconds',
    help: 'Time to answer a request, by route',
    labelNames: ['route', 'method', 'status'],
    // argon2 makes a login step take ~50–200 ms; redirects and discovery take a few ms.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ...on,
  });
  const dbWait = new Histogram({ name: 'kenpo_db_pool_wait_seconds', help: 'Time a query waited for a database connection', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], ...on });
  const pools: Array<{ numPendingAcquires(): number; numUsed(): number }> = [];
  new Gauge({
    name: 'kenpo_db_pool_pending',
    help: 'Queries waiting for a database connection now',
    ...on,
    collect() {
      this.set(pools.reduce((sum, pool) => sum + pool.numPendingAcquires(), 0));
    },
  });
  new Gauge({
    name: 'kenpo_db_pool_used',
    help: 'Database connections in use now',
    ...on,
    collect() {
      this.set(pools.reduce((sum, pool) => sum + pool.numUsed(), 0));
    },
  });
  const queues: Array<() => number> = [];
  new Gauge({
    name: 'kenpo_argon2_queue_length',
    help: 'Password verifies running or waiting in the bounded argon2 queue now',
    ...on,
    collect() {
      this.set(queues.reduce((sum, length) => sum + length(), 0));
    },
  });

  return {
    registry,
    signedIn: (acr) => logins.inc({ acr }),
    failed: (reason) => failures.inc({ reason: bounded(reason, REASON) }),
    lockedOut: () => lockouts.inc(),
    granted: (grantType) => grants.inc({ grant_type: bounded(grantType, GRANT_TYPES) }),
    grantRefused: (grantType, error) => refusedGrants.inc({ grant_type: bounded(grantType, GRANT_TYPES), error: bounded(error, /^[a-z_]{1,40}$/) }),
    request(route, method, status, seconds) {
      latency.observe({ route, method: bounded(method, new Set(['GET', 'POST', 'HEAD', 'OPTIONS'])), status: `${Math.floor(status / 100)}xx` }, seconds);
      if (status === 429) throttled.inc({ route });
    },
    watchDatabase(db) {
      const pool = (db.client as { pool?: TarnPool }).pool;
      if (!pool) return;
      pools.push(pool);
      const started = new Map<number, bigint>();
      pool.on('acquireRequest', (id) => started.set(id, process.hrtime.bigint()));
      const done = (id: number, ok: boolean) => {
        const at = started.get(id);
        started.delete(id);
        if (ok && at !== undefined) dbWait.observe(Number(process.hrtime.bigint() - at) / 1e9);
      };
      pool.on('acquireSuccess', (id) => done(id, true));
      pool.on('acquireFail', (id) => done(id, false));
    },
    watchPasswordQueue: (length) => void queues.push(length),
    collectProcessMetrics: () => collectDefaultMetrics({ register: registry }),
  };
}

/** The part of knex's tarn pool read here. */
interface TarnPool {
  numPendingAcquires(): number;
  numUsed(): number;
  on(event: 'acquireRequest' | 'acquireSuccess' | 'acquireFail', listener: (eventId: number) => void): void;
}

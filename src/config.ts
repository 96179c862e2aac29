import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { z } from 'zod';

/** The one configuration object. Nothing else reads process.env. */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly issuer: string;
  readonly issuerName: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key, so that several deployments (or test runs) can share one Redis. */
  readonly redisPrefix: string;
  /** Prometheus /metrics on its own listener; undefined: not served at all. */
  readonly metrics: { readonly port: number; readonly host: string } | undefined;
  readonly cookieKeys: readonly string[];
  /** Data-encryption keys, newest first; each encrypts under its own id so old ciphertexts stay readable. */
  readonly dataKeys: readonly DataKey[];
  /** Key (base64, ≥ 32 bytes) under which oidc-provider's opaque ids are stored as HMAC-SHA-256, never in clear. */
  readonly tokenHashKey: string;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly lockoutThreshold: number;
  /** Failed attempts (password, birth date, code, recovery requests) one client address may make per hour before a 429. */
  readonly throttlePerHour: number;
  readonly trustProxy: boolean;
  readonly logLevel: string;
  /** The society's name, contact and look: every page, every mail, the authenticator's issuer, MAIL_FROM's display name. */
  readonly society: Society;
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  /** Provider processes on one port (node:cluster); 1 runs the provider in this process alone. */
  readonly workers: number;
  /**
   * Password verifies running at once (one libuv thread fewer than the pool, which SQLite
   * and the file system need too) and running or waiting (twice the pool); more get a 503.
   */
  readonly passwordQueue: { readonly concurrency: number; readonly capacity: number };
  /** A member's session at the provider ends after `idleSeconds` without use, and `absoluteSeconds` after its login whatever the use. */
  readonly session: { readonly idleSeconds: number; readonly absoluteSeconds: number };
  /** Things worth a warning at start-up (generated secrets). */
  readonly warnings: readonly string[];
  /** The same warning as data, for the operator CLI to say in the operator's language. */
  readonly generatedSecrets: { readonly names: readonly string[]; readonly file: string } | null;
}

export interface Society {
  readonly name: string;
  readonly contact: { readonly phone?: string; readonly hours?: string; readonly mail?: string };
  /** An image file shown in every page's header. */
  readonly logo?: { readonly path: string; readonly type: string };
  /** `#rrggbb`, the accent colour of the pages. */
  readonly color?: string;
}

export interface DataKey {
  readonly id: string;
  /** 32 bytes, base64. */
  readonly key: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const url = (protocols: string[]) =>
  z
    .string()
    // abort: the checks after this one parse the URL and would throw on a value that is not one.
    .refine((v) => URL.canParse(v), { message: 'must be a URL', abort: true })
    .refine((v) => protocols.includes(new URL(v).protocol), `must start with ${protocols.join(' or ')}`);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(1, 65535).default(3000),
  ISSUER: url(['http:', 'https:'])
    .refine((v) => !new URL(v).search && !new URL(v).hash, 'must not have a query or fragment')
    .optional(),
  ISSUER_NAME: z.string().min(1).max(64).optional(),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/, 'must be 1 to 64 of A-Z a-z 0-9 : . _ -').default('kenpo:'),
  METRICS_PORT: int(1, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  COOKIE_KEYS: z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()))
    .refine((keys) => keys.every((k) => k.length >= 32), 'must be a comma-separated list of keys of at least 32 characters')
    .optional(),
  DATA_ENCRYPTION_KEY: z
    .string()
    .transform((v, ctx) => parseDataKeys(v, ctx))
    .optional(),
  TOKEN_HASH_KEY: z
    .string()
    .refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length >= 32, 'must be at least 32 bytes in base64')
    .optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('no-reply@localhost'),
  LOCKOUT_THRESHOLD: int(1, 1000).default(10),
  THROTTLE_PER_HOUR: int(1, 1_000_000).default(100),
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ARGON2_MEMORY_KIB: int(1024, 4 * 1024 * 1024).default(19456),
  ARGON2_TIME_COST: int(1, 100).default(2),
  ARGON2_PARALLELISM: int(1, 64).default(1),
  SOCIETY_NAME: z.string().trim().min(1).max(64).default('健康保険組合'),
  SOCIETY_CONTACT: z.string().max(300).transform((v, ctx) => parseContact(v, ctx)).optional(),
  SOCIETY_LOGO: z
    .string()
    .refine((v) => LOGO_TYPES[extname(v).toLowerCase()] !== undefined, 'must be a .png, .svg, .jpg or .webp file')
    .refine((v) => existsSync(v) && statSync(v).isFile() && statSync(v).size <= 512 * 1024, 'must name a readable file of at most 512 KiB')
    .optional(),
  SOCIETY_COLOR: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #0b5cad').optional(),
  WORKERS: int(1, 256).optional(),
  /** Node's own variable for the libuv thread pool; read here only to size the password queue. */
  UV_THREADPOOL_SIZE: int(1, 1024).default(4),
  SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30),
  SESSION_ABSOLUTE_HOURS: int(1, 30 * 24).default(12),
});

const LOGO_TYPES: Record<string, string> = { '.png': 'image/png', '.svg': 'image/svg+xml', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

/** `SOCIETY_CONTACT` is `phone;hours;mail` (each part may be empty), e.g. `03-1234-5678;平日 9:00〜17:00;kenpo@example.jp`. */
function parseContact(value: string, ctx: z.RefinementCtx): Society['contact'] {
  const [phone = '', hours = '', mail = '', ...rest] = value.split(';').map((part) => part.trim());
  if (rest.length || (mail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(mail))) {
    ctx.addIssue({ code: 'custom', message: 'must be "phone;hours;mail", the mail an e-mail address' });
    return {};
  }
  return { ...(phone && { phone }), ...(hours && { hours }), ...(mail && { mail }) };
}

/**
 * `DATA_ENCRYPTION_KEY` is `id:base64` or a comma-separated list of them, the current key first.
 * A key given without an id is named after its own hash, not its position: putting a new
 * key in front must not rename the old one, or everything sealed under it becomes unreadable.
 */
function parseDataKeys(value: string, ctx: z.RefinementCtx): DataKey[] {
  const keys = value.split(',').map((entry) => {
    const [id, key] = entry.includes(':') ? entry.trim().split(':', 2) : [undefined, entry.trim()];
    return { id: id ?? keyIdOf(key ?? ''), key: key ?? '' };
  });
  for (const { id, key } of keys) {
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(id) || Buffer.from(key, 'base64').length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'must be id:KEY entries where KEY is 32 bytes in base64' });
      return [];
    }
  }
  if (new Set(keys.map((k) => k.id)).size !== keys.length) {
    ctx.addIssue({ code: 'custom', message: 'each key must have its own id' });
    return [];
  }
  return keys;
}

/** A stable id for a key given without one; 72 bits of a hash say nothing about a 256-bit key. */
function keyIdOf(key: string): string {
  return `h${createHash('sha256').update(Buffer.from(key, 'base64')).digest('base64url').slice(0, 12)}`;
}

/** Secrets that production must be given; development generates them. */
const SECRETS = ['COOKIE_KEYS', 'DATA_ENCRYPTION_KEY', 'TOKEN_HASH_KEY'] as const;

/** For the entry points: a bad configuration ends the process with its message and exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

/** Parses and validates the environment, reporting every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        const got = env[name];
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redact(name, got))})`}`;
      });
  // Checked here, not after parsing, so that a missing secret is reported with every other problem.
  if (env.NODE_ENV === 'production') {
    for (const name of SECRETS) if (env[name] === undefined) problems.push(`${name}: is required when NODE_ENV=production`);
  }
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const warnings: string[] = [];
  const secrets = resolveSecrets(dataDir, { cookieKeys: e.COOKIE_KEYS, dataKeys: e.DATA_ENCRYPTION_KEY, tokenHashKey: e.TOKEN_HASH_KEY }, warnings);
  const port = e.PORT;
  const generated = SECRETS.filter((name) => e[name] === undefined);
  // Every core in production; one process in development and tests unless asked.
  const workers = e.WORKERS ?? (e.NODE_ENV === 'production' ? availableParallelism() : 1);
  return deepFreeze({
    nodeEnv: e.NODE_ENV,
    port,
    issuer: (e.ISSUER ?? `http://localhost:${port}`).replace(/\/$/, ''),
    issuerName: e.ISSUER_NAME ?? e.SOCIETY_NAME,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    metrics: e.METRICS_PORT === undefined ? undefined : { port: e.METRICS_PORT, host: e.METRICS_HOST },
    cookieKeys: secrets.cookieKeys,
    dataKeys: secrets.dataKeys,
    tokenHashKey: secrets.tokenHashKey,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    lockoutThreshold: e.LOCKOUT_THRESHOLD,
    throttlePerHour: e.THROTTLE_PER_HOUR,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    society: {
      name: e.SOCIETY_NAME,
      contact: e.SOCIETY_CONTACT ?? {},
      ...(e.SOCIETY_LOGO && { logo: { path: resolve(e.SOCIETY_LOGO), type: LOGO_TYPES[extname(e.SOCIETY_LOGO).toLowerCase()]! } }),
      ...(e.SOCIETY_COLOR && { color: e.SOCIETY_COLOR.toLowerCase() }),
    },
    argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST, parallelism: e.ARGON2_PARALLELISM },
    workers,
    session: { idleSeconds: e.SESSION_IDLE_MINUTES * 60, absoluteSeconds: e.SESSION_ABSOLUTE_HOURS * 3600 },
    passwordQueue: passwordQueue(e.UV_THREADPOOL_SIZE, workers),
    warnings,
    generatedSecrets: generated.length ? { names: generated, file: join(dataDir, 'secrets.json') } : null,
  });
}

/**
 * Password verifies at once per process, and how many may run or wait before a 503.
 * argon2id is memory-bound: verifies beyond the machine's cores only take turns (the
 * argon2id ceiling here: 77/s with 2 in flight on 2 cores, 72/s with 6), and each slot
 * keeps its 19 MiB resident. So the processes share the cores between them, and a
 * process keeps one pool thread free for everything else; the queue is as before.
 */
export function passwordQueue(threadPool: number, workers: number, cores = availableParallelism()): { concurrency: number; capacity: number } {
  return { concurrency: Math.max(1, Math.min(threadPool - 1, Math.ceil(cores / workers))), capacity: 2 * threadPool };
}

/** The operator CLI's language when no --lang is given: Japanese when the locale says so (LANG=ja_JP.UTF-8). */
export function operatorLanguage(env: NodeJS.ProcessEnv = process.env): 'ja' | 'en' {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

function redact(name: string, value: string): string {
  return /KEY|SECRET|URL/.test(name) ? '…' : value;
}

interface GeneratedSecrets {
  cookieKeys: string[];
  dataKeys: DataKey[];
  tokenHashKey: string;
}

const GENERATED: { [K in keyof GeneratedSecrets]: { variable: string; generate(): GeneratedSecrets[K] } } = {
  cookieKeys: { variable: 'COOKIE_KEYS', generate: () => [randomBytes(32).toString('base64url')] },
  dataKeys: { variable: 'DATA_ENCRYPTION_KEY', generate: () => [{ id: 'k1', key: randomBytes(32).toString('base64') }] },
  tokenHashKey: { variable: 'TOKEN_HASH_KEY', generate: () => randomBytes(32).toString('base64') },
};

/**
 * Missing secrets are generated once into DATA_DIR outside production (loadConfig refuses
 * their absence there). A file from an older version gains the secrets it lacks.
 */
function resolveSecrets(dataDir: string, given: Partial<GeneratedSecrets>, warnings: string[]): GeneratedSecrets {
  const names = Object.keys(GENERATED) as Array<keyof GeneratedSecrets>;
  if (names.every((name) => given[name] !== undefined)) return given as GeneratedSecrets;
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<GeneratedSecrets> = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<GeneratedSecrets>) : {};
  const missing = names.filter((name) => stored[name] === undefined);
  if (missing.length) {
    for (const name of missing) (stored as Record<string, unknown>)[name] = GENERATED[name].generate();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  for (const name of names) {
    if (given[name] === undefined) warnings.push(`${GENERATED[name].variable} is not set: using ${name === 'cookieKeys' ? 'keys' : 'a key'} generated in ${file} (development only)`);
  }
  return {
    cookieKeys: given.cookieKeys ?? stored.cookieKeys!,
    dataKeys: given.dataKeys ?? stored.dataKeys!,
    tokenHashKey: given.tokenHashKey ?? stored.tokenHashKey!,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

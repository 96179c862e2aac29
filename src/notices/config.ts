import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The notices app's one configuration object. It is a separate relying party: nothing
 * here is shared with the provider's configuration except the names DATA_DIR, ISSUER,
 * TRUST_PROXY and LOG_LEVEL, which it reads for itself.
 */
export interface NoticesConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  /** The app's public URL, without a trailing slash; redirect URIs hang off it. */
  readonly url: string;
  /** The identity provider's issuer URL. */
  readonly issuer: string;
  /** Undefined until a client is registered (the CLI does not need one). */
  readonly client: { readonly id: string; readonly secret: string } | undefined;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly cookieKeys: readonly string[];
  /** AES-256-GCM key (base64, 32 bytes) sealing the member's tokens in the session table. */
  readonly tokenKey: string;
  readonly trustProxy: boolean;
  readonly logLevel: string;
  /** Largest receipt image accepted, in bytes. */
  readonly receiptMaxBytes: number;
  readonly warnings: readonly string[];
}

export class NoticesConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'NoticesConfigError';
  }
}

/** Where the demo (or an operator) leaves the registered client's credentials when they are not in the environment. */
export const CLIENT_FILE = 'notices-client.json';
const SECRETS_FILE = 'notices-secrets.json';

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v), 'must be a URL')
  .refine((v) => ['http:', 'https:'].includes(new URL(v).protocol), 'must start with http: or https:')
  .refine((v) => !URL.canParse(v) || (!new URL(v).search && !new URL(v).hash), 'must not have a query or fragment')
  .transform((v) => v.replace(/\/+$/, ''));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  NOTICES_PORT: int(1, 65535).default(3001),
  NOTICES_URL: httpUrl.optional(),
  NOTICES_ISSUER: httpUrl.optional(),
  ISSUER: httpUrl.optional(),
  NOTICES_CLIENT_ID: z.string().min(1).optional(),
  NOTICES_CLIENT_SECRET: z.string().min(1).optional(),
  NOTICES_DATABASE_URL: z
    .string()
    .refine((v) => URL.canParse(v) && ['postgres:', 'postgresql:'].includes(new URL(v).protocol), 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('data'),
  NOTICES_COOKIE_KEYS: z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()))
    .refine((keys) => keys.every((k) => k.length >= 32), 'must be a comma-separated list of keys of at least 32 characters')
    .optional(),
  NOTICES_TOKEN_KEY: z
    .string()
    .refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64')
    .optional(),
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NOTICES_RECEIPT_MAX_BYTES: int(10 * 1024, 20 * 1024 * 1024).default(5 * 1024 * 1024),
});

export interface LoadOptions {
  /** The web server needs a registered client; the CLI does not. */
  requireClient?: boolean;
}

/** Parses and validates the environment, reporting every problem at once, naming each variable. */
export function loadNoticesConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): NoticesConfig {
  const parsed = schema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      const got = env[name];
      problems.push(`${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(/KEY|SECRET|URL/.test(name) ? '…' : got)})`}`);
    }
    throw new NoticesConfigError(problems);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const warnings: string[] = [];
  const client = resolveClient(e.NOTICES_CLIENT_ID, e.NOTICES_CLIENT_SECRET, dataDir, problems);
  if (options.requireClient && !client && problems.length === 0) {
    problems.push(
      `NOTICES_CLIENT_ID, NOTICES_CLIENT_SECRET: are required to sign members in (register the app with \`npm run kenpo -- clients add\` or run \`npm run demo\`, which stores them in ${join(dataDir, CLIENT_FILE)})`,
    );
  }
  let cookieKeys: string[] = [];
  let tokenKey = '';
  try {
    cookieKeys = resolveCookieKeys(e.NODE_ENV, dataDir, e.NOTICES_COOKIE_KEYS, warnings);
  } catch (error) {
    if (!(error instanceof NoticesConfigError)) throw error;
    problems.push(...error.problems);
  }
  try {
    tokenKey = resolveTokenKey(e.NODE_ENV, dataDir, e.NOTICES_TOKEN_KEY, warnings);
  } catch (error) {
    if (!(error instanceof NoticesConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length) throw new NoticesConfigError(problems);
  const port = e.NOTICES_PORT;
  return deepFreeze({
    nodeEnv: e.NODE_ENV,
    port,
    url: e.NOTICES_URL ?? `http://localhost:${port}`,
    issuer: e.NOTICES_ISSUER ?? e.ISSUER ?? 'http://localhost:3000',
    client,
    dataDir,
    databaseUrl: e.NOTICES_DATABASE_URL,
    cookieKeys,
    tokenKey,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    receiptMaxBytes: e.NOTICES_RECEIPT_MAX_BYTES,
    warnings,
  });
}

function resolveClient(id: string | undefined, secret: string | undefined, dataDir: string, problems: string[]): NoticesConfig['client'] {
  if (id && secret) return { id, secret };
  if (id || secret) {
    problems.push(`${id ? 'NOTICES_CLIENT_SECRET' : 'NOTICES_CLIENT_ID'}: must be set together with ${id ? 'NOTICES_CLIENT_ID' : 'NOTICES_CLIENT_SECRET'}`);
    return undefined;
  }
  const file = join(dataDir, CLIENT_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { client_id?: unknown; client_secret?: unknown };
    if (typeof stored.client_id === 'string' && typeof stored.client_secret === 'string') return { id: stored.client_id, secret: stored.client_secret };
  } catch {
    // reported below
  }
  problems.push(`NOTICES_CLIENT_ID: not set, and ${file} does not hold {"client_id", "client_secret"}`);
  return undefined;
}

/** Records a registered client for the app to find when NOTICES_CLIENT_ID is not set (used by the demo). */
export function saveNoticesClient(dataDir: string, client: { clientId: string; clientSecret: string }): string {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, CLIENT_FILE);
  writeFileSync(file, `${JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** The URIs to register at the provider for this app. */
export function noticesClientUris(config: Pick<NoticesConfig, 'url'>): { redirectUris: string[]; postLogoutRedirectUris: string[] } {
  return { redirectUris: [`${config.url}/callback`], postLogoutRedirectUris: [`${config.url}/logged-out`] };
}

/** Missing cookie keys are generated once into DATA_DIR in development; production must provide them. */
function resolveCookieKeys(nodeEnv: NoticesConfig['nodeEnv'], dataDir: string, keys: string[] | undefined, warnings: string[]): string[] {
  if (keys) return keys;
  if (nodeEnv === 'production') throw new NoticesConfigError(['NOTICES_COOKIE_KEYS: is required when NODE_ENV=production']);
  const file = join(dataDir, SECRETS_FILE);
  let stored: { cookieKeys?: string[] } = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as { cookieKeys?: string[] };
  if (!stored.cookieKeys?.length) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    stored = { cookieKeys: [randomBytes(32).toString('base64url')] };
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  warnings.push(`NOTICES_COOKIE_KEYS is not set: using keys generated in ${file} (development only)`);
  return stored.cookieKeys!;
}

/** Like the cookie keys: generated once into the same file in development, required in production. */
function resolveTokenKey(nodeEnv: NoticesConfig['nodeEnv'], dataDir: string, key: string | undefined, warnings: string[]): string {
  if (key) return key;
  if (nodeEnv === 'production') throw new NoticesConfigError(['NOTICES_TOKEN_KEY: is required when NODE_ENV=production']);
  const file = join(dataDir, SECRETS_FILE);
  const stored = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as { tokenKey?: string };
  if (!stored.tokenKey) {
    stored.tokenKey = randomBytes(32).toString('base64');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  warnings.push(`NOTICES_TOKEN_KEY is not set: using a key generated in ${file} (development only)`);
  return stored.tokenKey;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

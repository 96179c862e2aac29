import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './idp.js';

/** Debian's apache2 and libapache2-mod-auth-openidc (.ci/run installs both). */
const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

export const APACHE_MISSING = 'Apache with mod_auth_openidc not installed (apt-get install apache2 libapache2-mod-auth-openidc)';

export function apacheAvailable(): boolean {
  return existsSync(APACHE) && existsSync(join(MODULES, 'mod_auth_openidc.so'));
}

export interface ApacheRp {
  url: string;
  /** The redirect URI mod_auth_openidc handles (also its info hook and logout). */
  redirectUri: string;
  loggedOutUrl: string;
  errorLog(): string;
  stop(): Promise<void>;
}

export interface ApacheOptions {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** S256, or none to send no PKCE at all. */
  pkce: 'S256' | 'none';
}

/** A port and the URLs Apache will serve, known before the client is registered. */
export async function apacheUrls() {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  return { port, url, redirectUri: `${url}/protected/redirect_uri`, loggedOutUrl: `${url}/loggedout.html` };
}

/**
 * Apache httpd as a relying party: its own ServerRoot and configuration in a temporary
 * directory, in the foreground, a protected page that prints the member's claims (SSI) and
 * a public page to land on after logout. Run by root (CI containers), Apache insists on
 * handing requests to an unprivileged user, so the directory is made readable.
 */
export async function startApache(options: ApacheOptions): Promise<ApacheRp> {
  const { url, redirectUri, loggedOutUrl } = { url: `http://localhost:${options.port}`, redirectUri: `http://localhost:${options.port}/protected/redirect_uri`, loggedOutUrl: `http://localhost:${options.port}/loggedout.html` };
  const dir = mkdtempSync(join(tmpdir(), 'kenpo-apache-'));
  mkdirSync(join(dir, 'htdocs/protected'), { recursive: true });
  writeFileSync(
    join(dir, 'htdocs/protected/index.shtml'),
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>protected</title></head><body><h1>protected</h1>' +
      '<p id="sub"><!--#echo var="OIDC_CLAIM_sub" --></p><p id="name"><!--#echo var="OIDC_CLAIM_name" --></p>' +
      '<p id="insured_number"><!--#echo var="OIDC_CLAIM_insured_number" --></p></body></html>\n',
  );
  writeFileSync(join(dir, 'htdocs/loggedout.html'), '<!DOCTYPE html><html><head><meta charset="utf-8"><title>logged out</title></head><body><h1>logged out</h1></body></html>\n');
  const asRoot = process.getuid?.() === 0;
  const runAs = asRoot ? (spawnSync('id', ['-u', 'www-data']).status === 0 ? 'www-data' : 'nobody') : undefined;
  const conf = [
    `ServerRoot "${dir}"`,
    'ServerName localhost',
    `Listen 127.0.0.1:${options.port}`,
    `PidFile "${dir}/httpd.pid"`,
    `DefaultRuntimeDir "${dir}"`,
    `ErrorLog "${dir}/error.log"`,
    'LogLevel warn auth_openidc:info',
    ...['mpm_event', 'authn_core', 'authz_core', 'authz_user', 'mime', 'include'].map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
    `LoadModule auth_openidc_module ${MODULES}/mod_auth_openidc.so`,
    ...(runAs ? [`User ${runAs}`, `Group ${runAs === 'nobody' ? 'nogroup' : runAs}`] : []),
    'TypesConfig /etc/mime.types',
    `DocumentRoot "${dir}/htdocs"`,
    `<Directory "${dir}/htdocs">`,
    '  Options +Includes',
    '  AddType text/html .shtml',
    '  AddOutputFilter INCLUDES .shtml',
    '  Require all granted',
    '</Directory>',
    `OIDCProviderMetadataURL ${options.issuer}/.well-known/openid-configuration`,
    `OIDCClientID ${options.clientId}`,
    `OIDCClientSecret ${options.clientSecret}`,
    `OIDCRedirectURI ${redirectUri}`,
    `OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}`,
    'OIDCScope "openid profile email member"',
    ...(options.pkce === 'S256' ? ['OIDCPKCEMethod S256'] : []),
    'OIDCInfoHook iat access_token access_token_expires id_token userinfo refresh_token',
    '<Location /protected>',
    '  AuthType openid-connect',
    '  Require valid-user',
    '</Location>',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'httpd.conf'), conf);
  if (asRoot) chmodSync(dir, 0o755);

  const child: ChildProcess = spawn(APACHE, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const errorLog = () => {
    const file = join(dir, 'error.log');
    return `${output}${existsSync(file) ? readFileSync(file, 'utf8') : ''}`;
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`apache2 exited ${child.exitCode}: ${errorLog()}`);
    const up = await fetch(loggedOutUrl).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`apache2 did not answer on ${url}: ${errorLog()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    redirectUri,
    loggedOutUrl,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

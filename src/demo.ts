import { join } from 'node:path';
import { loadConfigOrExit, type Config } from './config.js';
import type { Member } from './db/member-store.js';
import { openServices, type Services } from './idp.js';
import { createLogger } from './log.js';
import { closeOnSignals, startIdp } from './server.js';
import { loadNoticesConfig, noticesClientUris, saveNoticesClient } from './notices/config.js';
import { createNoticesLogger } from './notices/log.js';
import { seedSampleNotices } from './notices/sample/seed-sample.js';
import { startNotices } from './notices/server.js';

/** Demo members, after the seed's examples: two regular members and one 任意継続 member. */
export const DEMO_MEMBERS = [
  { insurerSymbol: '10', insuredNumber: '1234', birthDate: '2001-01-01', kind: 'regular', name: '山田 太郎', loginId: 'yamada.taro', email: null },
  { insurerSymbol: '10', insuredNumber: '5678', birthDate: '1985-07-20', kind: 'regular', name: '佐藤 花子', loginId: 'sato.hanako', email: null },
  { insurerSymbol: '301', insuredNumber: '12345', birthDate: '1960-03-03', kind: 'voluntary', name: '鈴木 一郎', loginId: undefined, email: null },
] as const;

export const NOTICES_CLIENT_NAME = 'お知らせ';

async function ensureMembers(services: Services) {
  const rows = [];
  for (const demo of DEMO_MEMBERS) {
    const existing = (await services.members.list({ limit: 100_000 })).find((m) => m.insurerSymbol === demo.insurerSymbol && m.insuredNumber === demo.insuredNumber);
    const member = existing ?? (await services.members.add({ ...demo, loginId: demo.loginId }, 'system')).member;
    rows.push({ member, initialPassword: member.passwordHash === null ? `${demo.insurerSymbol}${demo.insuredNumber}${demo.birthDate.replaceAll('-', '')}` : '(changed by the member)' });
  }
  return rows;
}

/** The notices app as a first-party client; its secret is read back from the sealed column on later runs. */
async function ensureNoticesClient(services: Services, noticesUrl: string) {
  const existing = await services.clients.findByName(NOTICES_CLIENT_NAME);
  if (existing) {
    const metadata = await services.clients.providerMetadata(existing.clientId);
    return { clientId: existing.clientId, clientSecret: String(metadata!.client_secret) };
  }
  const { client, clientSecret } = await services.clients.add({
    name: NOTICES_CLIENT_NAME,
    ...noticesClientUris({ url: noticesUrl }),
    firstParty: true,
  });
  return { clientId: client.clientId, clientSecret: clientSecret! };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config);
  for (const warning of config.warnings) logger.warn(warning);
  const noticesUrl = (process.env.NOTICES_URL ?? 'http://localhost:3001').replace(/\/$/, '');
  const services = await openServices(config);
  const members = await ensureMembers(services);
  // openServices installed the first terms (resources/terms/) if none were published.
  const notices = await ensureNoticesClient(services, noticesUrl);
  await services.close();

  const idp = await startIdp(config, logger);
  const stopNotices = await startNoticesApp(config, notices, noticesUrl, members.map((m) => m.member)).catch((err: unknown) => {
    logger.error({ err }, 'the notices app did not start');
    return async () => {};
  });
  closeOnSignals(logger, async () => {
    await Promise.all([stopNotices(), idp.close()]);
  });
  // Printed last: once it is on the screen, both apps answer and Ctrl-C stops them.
  const lines = [
    '',
    'kenpo-idp demo',
    `  identity provider  ${config.issuer}   (discovery: ${config.issuer}/.well-known/openid-configuration)`,
    `  notices app        ${noticesUrl}`,
    `  mail outbox        ${join(config.dataDir, 'outbox')}`,
    '',
    '  demo members (user ID / initial password):',
    ...members.map(({ member, initialPassword }) => `    ${member.loginId.padEnd(18)} ${initialPassword.padEnd(24)} ${member.name}${member.kind === 'voluntary' ? ' (任意継続)' : ''}`),
    '',
    '  Ctrl-C stops both.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Seeds a year of sample notices for the demo members and starts the app against this provider. */
async function startNoticesApp(config: Config, client: { clientId: string; clientSecret: string }, noticesUrl: string, members: Member[]): Promise<() => Promise<void>> {
  const noticesConfig = loadNoticesConfig(
    { ...process.env, DATA_DIR: config.dataDir, NOTICES_URL: noticesUrl, NOTICES_ISSUER: config.issuer, NOTICES_CLIENT_ID: client.clientId, NOTICES_CLIENT_SECRET: client.clientSecret },
    { requireClient: true },
  );
  // Kept for `node dist/src/notices/main.js`, which finds the client there when NOTICES_CLIENT_ID is unset.
  saveNoticesClient(config.dataDir, client);
  await seedSampleNotices(
    noticesConfig,
    members.map(({ insurerSymbol, insuredNumber, name, birthDate }) => ({ insurerSymbol, insuredNumber, name, birthDate })),
  );
  const app = await startNotices(noticesConfig, { logger: createNoticesLogger(noticesConfig) });
  return () => app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { CLIENT_CACHE_TTL_MS, createClientService } from '../../src/clients/client-service.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { createDatabase, migrate, type Knex } from '../../src/db/knex.js';
import { tempDataDir } from '../support/idp.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A provider process and the operator's CLI: two connections to one database, each with its own service. */
describe('client metadata cached per process', () => {
  const dataDir = tempDataDir();
  const box = createSecretBox([{ id: 'k1', key: randomBytes(32).toString('base64') }]);
  const providerDb: Knex = createDatabase({ dataDir, databaseUrl: undefined });
  const cliDb: Knex = createDatabase({ dataDir, databaseUrl: undefined });
  const provider = createClientService(providerDb, box);
  const cli = createClientService(cliDb, box);
  let statements = 0;
  providerDb.on('query', () => (statements += 1));

  beforeAll(() => migrate(cliDb));
  afterAll(async () => {
    await Promise.all([providerDb.destroy(), cliDb.destroy()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const add = () => cli.add({ name: 'お知らせ', redirectUris: ['https://notices.example/callback'] });

  test('repeated and concurrent reads cost one statement', async () => {
    const { client, clientSecret } = await add();
    statements = 0;
    const reads = await Promise.all(Array.from({ length: 20 }, () => provider.providerMetadata(client.clientId)));
    await provider.providerMetadata(client.clientId);
    expect(statements).toBe(1);
    expect(reads.every((m) => m?.client_secret === clientSecret)).toBe(true);
  });

  test('a secret rotated by the CLI is used within the staleness bound', async () => {
    const { client, clientSecret } = await add();
    expect((await provider.providerMetadata(client.clientId))?.client_secret).toBe(clientSecret);
    const rotated = await cli.rotateSecret(client.clientId);
    await sleep(CLIENT_CACHE_TTL_MS + 50);
    expect((await provider.providerMetadata(client.clientId))?.client_secret).toBe(rotated);
  });

  test('a client removed by the CLI is gone within the staleness bound', async () => {
    const { client } = await add();
    expect(await provider.providerMetadata(client.clientId)).toBeDefined();
    await cli.remove(client.clientId);
    await sleep(CLIENT_CACHE_TTL_MS + 50);
    expect(await provider.providerMetadata(client.clientId)).toBeUndefined();
  });

  test('a change made in the same process is seen at once', async () => {
    const { client } = await add();
    await provider.providerMetadata(client.clientId);
    const rotated = await provider.rotateSecret(client.clientId);
    expect((await provider.providerMetadata(client.clientId))?.client_secret).toBe(rotated);
  });
});

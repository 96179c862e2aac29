import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { createDatabase, migrate, type Knex } from '../../src/db/knex.js';
import { createKeyService, keyState, KEY_RETENTION_SECONDS, type KeyService } from '../../src/oidc/keys.js';

const HOUR = 3_600_000;
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('signing keys on SQLite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kenpo-keys-'));
  let db: Knex;
  let keys: KeyService;

  beforeEach(async () => {
    db = createDatabase({ dataDir, databaseUrl: undefined }, `keys-${randomBytes(4).toString('hex')}.sqlite`);
    await migrate(db);
    keys = createKeyService(db, createSecretBox([{ id: 'k1', key: randomBytes(32).toString('base64') }]));
  });
  afterEach(() => db.destroy());
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const summary = async (now: Date) =>
    (await keys.list()).map((k) => ({ kid: k.kid, alg: k.alg, state: keyState(k, now) }));

  test('ensure creates one active RS256 and one active ES256 key, once', async () => {
    const created = await keys.ensure(t0);
    expect(created).toHaveLength(2);
    expect((await summary(t0)).map(({ alg, state }) => `${alg}:${state}`).sort()).toEqual(['ES256:active', 'RS256:active']);

    expect(await keys.ensure(at(HOUR))).toEqual([]);
    expect(await keys.list()).toHaveLength(2);
  });

  test('private keys are sealed at rest', async () => {
    await keys.ensure(t0);
    const rows: Array<{ private_jwk: string }> = await db('signing_keys').select('private_jwk');
    for (const { private_jwk } of rows) {
      expect(private_jwk).toMatch(/^v1\.k1\./);
      expect(private_jwk).not.toContain('"d"');
    }
    const jwks = await keys.published(t0);
    expect(jwks.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const jwk of jwks) expect(jwk).toMatchObject({ use: 'sig', d: expect.any(String), kid: expect.any(String) });
  });

  test('rotate retires the active keys, which stay published, and creates new active ones', async () => {
    const first = await keys.ensure(t0);
    const rotated = await keys.rotate(at(HOUR));
    expect(rotated.retired).toBe(2);
    expect(rotated.removed).toBe(0);
    expect(rotated.created).toHaveLength(2);

    const states = await summary(at(HOUR));
    expect(states.filter((k) => first.includes(k.kid)).map((k) => k.state)).toEqual(['published', 'published']);
    expect(states.filter((k) => rotated.created.includes(k.kid)).map((k) => k.state)).toEqual(['active', 'active']);

    // Active keys first: oidc-provider signs with the first key of each algorithm.
    const published = (await keys.published(at(HOUR))).map((k) => k.kid);
    expect(published).toHaveLength(4);
    expect(published.slice(0, 2).sort()).toEqual([...rotated.created].sort());
    expect(published.slice(2).sort()).toEqual([...first].sort());
  });

  test('keys retired longer than KEY_RETENTION_SECONDS expire and go on the next rotate', async () => {
    const first = await keys.ensure(t0);
    const second = (await keys.rotate(at(HOUR))).created;
    const afterRetention = at(HOUR + KEY_RETENTION_SECONDS * 1000 + 1000);

    expect((await summary(afterRetention)).filter((k) => first.includes(k.kid)).map((k) => k.state)).toEqual(['expired', 'expired']);
    expect((await keys.published(afterRetention)).map((k) => k.kid).sort()).toEqual([...second].sort());
    // Just before the end of retention they are still published.
    const justBefore = at(HOUR + KEY_RETENTION_SECONDS * 1000 - 1000);
    expect(await keys.published(justBefore)).toHaveLength(4);

    const third = await keys.rotate(afterRetention);
    expect(third.removed).toBe(2);
    const remaining = await summary(afterRetention);
    expect(remaining.map((k) => k.kid).sort()).toEqual([...second, ...third.created].sort());
    expect(remaining.filter((k) => second.includes(k.kid)).map((k) => k.state)).toEqual(['published', 'published']);
  });
});

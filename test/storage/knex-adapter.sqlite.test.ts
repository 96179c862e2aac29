import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKnexAdapterClass } from '../../src/adapters/knex-adapter.js';
import { createDatabase, migrate, type Knex } from '../../src/db/knex.js';
import { describeAdapterContract } from './adapter-suite.js';
import { describeExpirySweep } from './knex-sweep.js';

// A fresh SQLite file per run, through the same factory and migrations as the server.
const dataDir = mkdtempSync(join(tmpdir(), 'kenpo-storage-'));
let db: Knex;

describeAdapterContract(
  'knex on SQLite',
  async () => {
    db = createDatabase({ dataDir, databaseUrl: undefined });
    await migrate(db);
    return createKnexAdapterClass(db);
  },
  async () => {
    await db?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  },
  () => describeExpirySweep(() => db),
);

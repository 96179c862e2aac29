import { createKnexAdapterClass } from '../../src/adapters/knex-adapter.js';
import type { Knex } from '../../src/db/knex.js';
import { describeAdapterContract } from './adapter-suite.js';
import { describeExpirySweep } from './knex-sweep.js';
import { openTestSchema, POSTGRES_SKIP } from './postgres-schema.js';

const databaseUrl = process.env.DATABASE_URL;

if (databaseUrl) {
  let schema: { db: Knex; drop(): Promise<void> } | undefined;
  describeAdapterContract(
    'knex on PostgreSQL',
    async () => {
      schema = await openTestSchema(databaseUrl);
      return createKnexAdapterClass(schema.db);
    },
    async () => {
      await schema?.drop();
    },
    () => describeExpirySweep(() => schema!.db),
  );
} else {
  // Straight to stderr: jest drops console output of a file whose every test is skipped.
  process.stderr.write(`\n⚠ ${POSTGRES_SKIP} (set DATABASE_URL=postgres://… to run it)\n`);
  test.skip(POSTGRES_SKIP, () => {});
}

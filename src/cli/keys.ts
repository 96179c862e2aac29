import type { Command } from 'commander';
import type { SigningKeyRecord } from '../db/key-store.js';
import { keyState } from '../oidc/keys.js';
import { fields, run, table, withJson, type JsonFlag } from './output.js';

/** Never the key material: the private JWK stays sealed in the database. */
function describeKey(key: SigningKeyRecord, now: Date) {
  return { kid: key.kid, alg: key.alg, state: keyState(key, now), created_at: key.createdAt, retired_at: key.retiredAt };
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('signing keys of ID tokens');

  withJson(keys.command('list').description('list signing keys: active (signs), published (still verifies), expired')).action((flags: JsonFlag) =>
    run(flags, async (services) => {
      const now = new Date();
      const list = (await services.keys.list()).map((k) => describeKey(k, now));
      return {
        json: list,
        text: list.length
          ? table(['kid', 'alg', 'state', 'created', 'retired'], list.map((k) => [k.kid, k.alg, k.state, k.created_at, k.retired_at]))
          : 'no signing keys yet (the server creates them at start, or run `kenpo keys rotate`)',
      };
    }),
  );

  withJson(
    keys
      .command('rotate')
      .description('create new signing keys; the old ones stay published until the tokens they signed expire'),
  ).action((flags: JsonFlag) =>
    run(flags, async (services) => {
      const result = await services.keys.rotate();
      return {
        json: result,
        text: `${fields({ created: result.created, retired: result.retired, removed: result.removed })}\nrunning servers pick up the new keys when they restart`,
      };
    }),
  );
}

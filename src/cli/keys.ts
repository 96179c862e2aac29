import type { Command } from 'commander';
import type { SigningKeyRecord } from '../db/key-store.js';
import { keyState } from '../oidc/keys.js';
import type { Cli, JsonFlag } from './output.js';

/** Never the key material: the private JWK stays sealed in the database. */
function describeKey(key: SigningKeyRecord, now: Date) {
  return { kid: key.kid, alg: key.alg, state: keyState(key, now), created_at: key.createdAt, retired_at: key.retiredAt };
}

export function registerKeys(program: Command, cli: Cli): void {
  const { t } = cli;
  const keys = program.command('keys').description(t('keys.description'));

  cli.withJson(keys.command('list').description(t('keys.list.description'))).action((flags: JsonFlag) =>
    cli.run(flags, async (services) => {
      const now = new Date();
      const list = (await services.keys.list()).map((k) => describeKey(k, now));
      return {
        json: list,
        text: list.length
          ? cli.table(['kid', 'alg', 'state', 'created_at', 'retired_at'], list.map((k) => [k.kid, k.alg, t(`key_state.${k.state}`), k.created_at, k.retired_at]))
          : t('keys.none'),
      };
    }),
  );

  cli.withJson(keys.command('rotate').description(t('keys.rotate.description'))).action((flags: JsonFlag) =>
    cli.run(flags, async (services) => {
      const result = await services.keys.rotate();
      return {
        json: result,
        text: `${cli.fields({ created: result.created, retired: result.retired, removed: result.removed })}\n${t('keys.rotate.done')}`,
      };
    }),
  );
}

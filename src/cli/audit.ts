import type { Command } from 'commander';
import { localTime } from './local-time.js';
import type { Cli, JsonFlag } from './output.js';

export function registerAudit(program: Command, cli: Cli): void {
  const { t } = cli;
  cli.withJson(
    program
      .command('audit')
      .description(t('audit.description'))
      .option('--member <login_id>', t('audit.member'))
      .option('--limit <n>', t('option.limit'), cli.positiveInt(100_000), 100),
  ).action((flags: JsonFlag & { member?: string; limit: number }) =>
    cli.run(flags, async (services) => {
      const memberId = flags.member ? (await services.members.findByLoginId(flags.member)).id : undefined;
      const events = await services.audit.list({ memberId, limit: flags.limit });
      // Times on the operator's clock (TZ), with the offset; members by the user ID they are known by.
      const json = events.map((e) => ({ id: e.id, at: localTime(e.at), actor: e.actor, event: e.event, login_id: e.memberLoginId, member_id: e.memberId, client_id: e.clientId, ip: e.ip, details: e.details }));
      return {
        json,
        text: json.length
          ? cli.table(['at', 'actor', 'event', 'login_id', 'details'], events.map((e) => [localTime(e.at, ' '), t(`actor.${e.actor}`), e.event, e.memberLoginId, JSON.stringify(e.details)]))
          : t('audit.none'),
      };
    }),
  );
}

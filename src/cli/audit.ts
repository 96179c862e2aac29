import type { Command } from 'commander';
import { positiveInt, run, table, withJson, type JsonFlag } from './output.js';

export function registerAudit(program: Command): void {
  withJson(
    program
      .command('audit')
      .description('read the audit log, newest first')
      .option('--member <login_id>', "only this member's events")
      .option('--limit <n>', 'at most this many events', positiveInt(100_000), 100),
  ).action((flags: JsonFlag & { member?: string; limit: number }) =>
    run(flags, async (services) => {
      const memberId = flags.member ? (await services.members.findByLoginId(flags.member)).id : undefined;
      const events = await services.audit.list({ memberId, limit: flags.limit });
      const json = events.map((e) => ({ id: e.id, at: e.at, actor: e.actor, event: e.event, member_id: e.memberId, client_id: e.clientId, ip: e.ip, details: e.details }));
      return {
        json,
        text: json.length ? table(['at', 'actor', 'event', 'member', 'details'], json.map((e) => [e.at, e.actor, e.event, e.member_id, JSON.stringify(e.details)])) : 'no events',
      };
    }),
  );
}

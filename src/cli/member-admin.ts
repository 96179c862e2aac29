import type { Command } from 'commander';
import type { Services } from '../idp.js';
import type { Cli, JsonFlag } from './output.js';

type Action = (services: Services, loginId: string) => Promise<{ json: Record<string, unknown>; note?: string }>;

/** Each action: its name, its description's message code, and what it does. */
const ACTIONS: Array<[name: string, action: Action]> = [
  [
    'reset-password',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      return { json: { login_id: member.loginId, initial_password: await services.memberAdmin.resetPassword(member) }, note: 'members.reset_password.done' };
    },
  ],
  [
    'unlock',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      const wasLocked = await services.memberAdmin.unlock(member);
      return { json: { login_id: member.loginId, was_locked: wasLocked }, note: wasLocked ? 'members.unlock.done' : 'members.unlock.not_locked' };
    },
  ],
  [
    'reset-mfa',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      const removed = await services.otp.reset(member);
      return { json: { login_id: member.loginId, recovery_codes_removed: removed.recoveryCodesRemoved, passkeys_removed: removed.passkeysRemoved }, note: 'members.reset_mfa.done' };
    },
  ],
  [
    'disable',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      await services.memberAdmin.disable(member);
      return { json: { login_id: member.loginId, disabled: true }, note: 'members.disable.done' };
    },
  ],
  [
    'enable',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      await services.memberAdmin.enable(member);
      return { json: { login_id: member.loginId, disabled: false }, note: 'members.enable.done' };
    },
  ],
];

/** The operator's actions on one member's account, each audited. */
export function registerMemberAdmin(program: Command, cli: Cli): void {
  const members = program.commands.find((c) => c.name() === 'members')!;
  for (const [name, action] of ACTIONS) {
    const key = `members.${name.replace('-', '_')}`;
    cli.withJson(members.command(name).description(cli.t(`${key}.description`)).argument('<login_id>')).action((loginId: string, flags: JsonFlag) =>
      cli.run(flags, async (services) => {
        const { json, note } = await action(services, loginId);
        return { json, text: [cli.fields(json), note ? cli.t(note) : ''].filter(Boolean).join('\n') };
      }),
    );
  }
}

import type { Command } from 'commander';
import type { Services } from '../idp.js';
import { fields, run, withJson, type JsonFlag } from './output.js';

type Action = (services: Services, loginId: string) => Promise<Record<string, unknown>>;

const ACTIONS: Array<[name: string, description: string, action: Action]> = [
  [
    'reset-password',
    'reset the password to the initial rule (symbol + number + birth date) and sign the member out everywhere',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      return { login_id: member.loginId, initial_password: await services.memberAdmin.resetPassword(member) };
    },
  ],
  [
    'unlock',
    'open an account locked after too many failed attempts',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      await services.memberAdmin.unlock(member);
      return { login_id: member.loginId, unlocked: true };
    },
  ],
  [
    'reset-mfa',
    'remove the authenticator app, passkeys and recovery codes; the member binds again at the next login',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      const removed = await services.otp.reset(member);
      return { login_id: member.loginId, recovery_codes_removed: removed.recoveryCodesRemoved, passkeys_removed: removed.passkeysRemoved };
    },
  ],
  [
    'disable',
    'stop the member from logging in and end their sessions and tokens',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      await services.memberAdmin.disable(member);
      return { login_id: member.loginId, disabled: true };
    },
  ],
  [
    'enable',
    'let a disabled member log in again',
    async (services, loginId) => {
      const member = await services.members.findByLoginId(loginId);
      await services.memberAdmin.enable(member);
      return { login_id: member.loginId, disabled: false };
    },
  ],
];

/** The operator's actions on one member's account, each audited. */
export function registerMemberAdmin(program: Command): void {
  const members = program.commands.find((c) => c.name() === 'members')!;
  for (const [name, description, action] of ACTIONS) {
    withJson(members.command(name).description(description).argument('<login_id>')).action((loginId: string, flags: JsonFlag) =>
      run(flags, async (services) => {
        const result = await action(services, loginId);
        return { json: result, text: fields(result) };
      }),
    );
  }
}

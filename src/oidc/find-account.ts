import type { Account, FindAccount } from 'oidc-provider';
import type { Member } from '../db/member-store.js';

/** Claims per scope (DESIGN: OIDC profile). `sub` is the member's random id, never the user ID. */
export const CLAIMS = {
  sid: null,
  iss: null,
  // How the member logged in travels in every ID token, so a relying party can demand two factors.
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['preferred_username', 'name', 'birthdate'],
  email: ['email', 'email_verified'],
  member: ['insurer_symbol', 'insured_number', 'member_kind'],
} as const;

export function memberClaims(member: Member): Record<string, unknown> {
  return {
    sub: member.id,
    preferred_username: member.loginId,
    name: member.name,
    birthdate: member.birthDate,
    email: member.email ?? undefined,
    email_verified: member.email ? Boolean(member.emailVerifiedAt) : undefined,
    insurer_symbol: member.insurerSymbol,
    insured_number: member.insuredNumber,
    member_kind: member.kind,
  };
}

/** A disabled member has no account: their tokens and sessions stop working at once. */
export function createFindAccount(findMember: (id: string) => Promise<Member | undefined>): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const member = await findMember(sub);
    if (!member || member.disabledAt) return undefined;
    return { accountId: member.id, claims: async () => ({ ...memberClaims(member), sub: member.id }) };
  };
}

import { createHmac } from 'node:crypto';
import type { Context } from 'koa';
import type { Config } from '../config.js';
import type { Member } from '../db/member-store.js';
import type { AccountService } from '../members/account-service.js';
import { describeDevice } from '../members/device.js';
import type { Notifications } from '../members/notifications.js';
import { requestContext } from './context.js';

const DEVICE_COOKIE = 'kenpo_device';
const DEVICE_COOKIE_DAYS = 400;
const MAX_MEMBERS_PER_DEVICE = 20;

export type SignInRecorder = (ctx: Context, member: Member, clientId?: string) => Promise<void>;

/**
 * Called when a login completes: records it for the account page's recent sign-ins, and
 * mails the member when this browser has not signed them in before. A browser remembers the
 * members it signed in with a signed cookie of keyed tags (no member id in the clear, nothing
 * stored per device on the server). A member's first recorded sign-in (just registered, or
 * the first since this was installed) has no earlier device to compare with, so it is not news.
 */
export function createSignInRecorder({ account, notify, config }: { account: AccountService; notify: Notifications; config: Pick<Config, 'cookieKeys'> }): SignInRecorder {
  const tagOf = (member: Member) => createHmac('sha256', config.cookieKeys[0]!).update(`device:${member.id}`).digest('base64url').slice(0, 16);
  return async (ctx, member, clientId) => {
    const request = requestContext(ctx);
    const tag = tagOf(member);
    const known = (ctx.cookies.get(DEVICE_COOKIE, { signed: true }) ?? '').split('.').filter(Boolean);
    // A browser that signed this member in before: only the record, no look at the history.
    if (known.includes(tag)) return account.recordSignIn(member, { ...request, clientId });
    const signedInBefore = (await account.recentSignIns(member, 1)).length > 0;
    await account.recordSignIn(member, { ...request, clientId });
    ctx.cookies.set(DEVICE_COOKIE, [tag, ...known].slice(0, MAX_MEMBERS_PER_DEVICE).join('.'), { signed: true, httpOnly: true, sameSite: 'lax', maxAge: DEVICE_COOKIE_DAYS * 86400_000, overwrite: true });
    if (signedInBefore) await notify.newDevice(member, { at: new Date(), device: describeDevice(request.userAgent), ip: request.ip }, request.lang);
  };
}

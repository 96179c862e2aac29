import { formFields } from '../interactions/step.js';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { z } from 'zod';
import type { ClientService } from '../clients/client-service.js';
import type { Config } from '../config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { hasMessage } from '../i18n.js';
import type { AccountService } from '../members/account-service.js';
import type { ConsentService } from '../members/consent-service.js';
import type { EmailVerification } from '../members/email-verification.js';
import type { MemberService } from '../members/member-service.js';
import type { Notifications } from '../members/notifications.js';
import type { OtpService } from '../members/otp-service.js';
import type { PasskeyService } from '../members/passkey-service.js';
import type { AddressThrottle } from '../members/throttle.js';
import { render } from '../views.js';
import { consentRoutes } from './consents.js';
import { createAccountContext, type Account, type Clock } from './context.js';
import { emailRoutes } from './email.js';
import { homeRoutes } from './home.js';
import { otpRoutes } from './otp.js';
import { passkeyRoutes } from './passkeys.js';
import { passwordRoutes } from './password.js';
import { recoveryCodeRoutes } from './recovery-codes.js';
import { signInRoutes } from './sign-in.js';
import { signOutOthersRoutes } from './sign-out-others.js';
import { verifyRoutes } from './verify.js';

export interface AccountDeps {
  provider: Provider;
  config: Config;
  clock: Clock;
  box: SecretBox;
  members: MemberService;
  account: AccountService;
  email: EmailVerification;
  otp: OtpService;
  passkeys: PasskeyService;
  notify: Notifications;
  throttle: AddressThrottle;
  clients: Pick<ClientService, 'list'>;
  consents: ConsentService;
}

type Handler = (ctx: Context, account: Account) => Promise<void>;

/** What one account route file registers: pages (GET) and actions (POST, always answered with a redirect). */
export interface AccountRoutes {
  /** A page for a signed-in member; `sensitive` pages first ask for a fresh password or code. */
  page(path: string, options: { sensitive?: boolean }, handler: Handler): void;
  /** A form's target; a stale sensitive action goes to re-authentication and back to `back`, changing nothing. */
  action(path: string, options: { sensitive?: boolean; back: string }, handler: Handler): void;
  /** A route that needs no signed-in member (the sign-in itself). */
  open(method: 'get' | 'post', path: string, handler: (ctx: Context) => Promise<void>): void;
  markVerified(ctx: Context, account: Account): void;
}

export function redirect(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}

/** Post/Redirect/Get: where an action sends the browser, with a message for the page it lands on. */
export function after(path: string, outcome: { done?: string; error?: string; params?: Record<string, number> } = {}): string {
  const query = new URLSearchParams();
  if (outcome.done) query.set('done', outcome.done);
  if (outcome.error) query.set('error', outcome.error);
  for (const [key, value] of Object.entries(outcome.params ?? {})) query.set(key, String(value));
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

const NUMERIC_PARAMS = ['tries', 'seconds', 'remaining'];

/** The message a page shows for `?error=` / `?done=`: only known locale keys, never text from the URL. */
export function flash(ctx: Context): { error: string | null; done: string | null; params: Record<string, number> } {
  const pick = (value: unknown, prefix: string) => (typeof value === 'string' && value.startsWith(prefix) && hasMessage(value) ? value : null);
  const params: Record<string, number> = {};
  for (const name of NUMERIC_PARAMS) {
    const value = ctx.query[name];
    if (typeof value === 'string' && /^\d{1,4}$/.test(value)) params[name] = Number(value);
  }
  return { error: pick(ctx.query.error, 'errors.'), done: pick(ctx.query.done, 'account_page.done.'), params };
}

/** The form as zod reads it; null when it does not fit (the caller redirects with a message). */
export function readForm<T>(ctx: Context, schema: z.ZodType<T>): T | null {
  const parsed = schema.safeParse(formFields(ctx));
  return parsed.success ? parsed.data : null;
}

export async function page(ctx: Context, account: Account, view: string, locals: Record<string, unknown> = {}): Promise<void> {
  await render(ctx, view, { ...flash(ctx), csrf: account.csrf, member: account.member, ...locals });
}

/** /account: the member's own settings (DESIGN "Account page"), one file per change. */
export function createAccountRouter(deps: AccountDeps): Router {
  const accounts = createAccountContext({ provider: deps.provider, config: deps.config, clock: deps.clock, findMember: deps.members.find });
  const router = new Router({ prefix: '/account' });
  router.use(bodyParser({ enableTypes: ['form'], formLimit: '32kb' }));

  const signIn = (ctx: Context, next: string) => redirect(ctx, `/account/sign-in?next=${encodeURIComponent(next)}`);
  const verify = (ctx: Context, next: string) => redirect(ctx, `/account/verify?next=${encodeURIComponent(next)}`);
  const routes: AccountRoutes = {
    page(path, options, handler) {
      router.get(path, async (ctx) => {
        const account = await accounts.load(ctx);
        if (!account) return signIn(ctx, ctx.path);
        if (options.sensitive && !account.fresh) return verify(ctx, ctx.path);
        await handler(ctx, account);
      });
    },
    action(path, options, handler) {
      router.post(path, async (ctx) => {
        const account = await accounts.load(ctx);
        if (!account) return signIn(ctx, options.back);
        accounts.checkForm(account, (ctx.request.body as Record<string, unknown> | undefined)?.csrf);
        if (options.sensitive && !account.fresh) return verify(ctx, options.back);
        await handler(ctx, account);
      });
    },
    open(method, path, handler) {
      router[method](path, handler);
    },
    markVerified: (ctx, account) => accounts.markVerified(ctx, account),
  };
  for (const register of [signInRoutes, verifyRoutes, homeRoutes, passwordRoutes, emailRoutes, otpRoutes, passkeyRoutes, recoveryCodeRoutes, signOutOthersRoutes, consentRoutes]) {
    register(routes, deps);
  }
  return router;
}

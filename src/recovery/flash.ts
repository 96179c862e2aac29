import type { Context } from 'koa';
import { z } from 'zod';

const COOKIE = 'kenpo.flash';

const flashSchema = z.object({
  error: z.string().max(100),
  params: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  fields: z.record(z.string(), z.string().max(320)).default({}),
});
export type PageFlash = z.infer<typeof flashSchema>;

/*
 * The recovery pages live outside any interaction, so a POST's error waits for the page it
 * redirects to (PRG) in a short-lived signed cookie, scoped to that page. It holds a locale
 * key and what the member typed that is safe to show again (an address or a user ID, never
 * a password).
 */
export function setFlash(ctx: Context, path: string, flash: PageFlash): void {
  ctx.cookies.set(COOKIE, Buffer.from(JSON.stringify(flash)).toString('base64url'), { path, httpOnly: true, sameSite: 'strict', signed: true, secure: ctx.secure, maxAge: 5 * 60_000, overwrite: true });
}

/** The flash left for this page, taken once. */
export function takeFlash(ctx: Context): PageFlash | null {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw) return null;
  ctx.cookies.set(COOKIE, null, { path: ctx.path, overwrite: true });
  ctx.cookies.set(`${COOKIE}.sig`, null, { path: ctx.path, overwrite: true });
  try {
    const parsed = flashSchema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

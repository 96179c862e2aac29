import type { Context, Next } from 'koa';
import { NotFound } from '../errors.js';
import type { HouseholdKey } from '../domain/records.js';
import type { NoticesState } from '../web/state.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Router 15 cannot constrain a parameter in the path: ids are checked here, and a malformed one is simply not found. */
export function idParam(id: string, ctx: Context, next: Next) {
  if (!UUID.test(id)) throw new NotFound();
  return next();
}

/** The signed-in member's household key (requireMember has run). */
export function household(ctx: Context): HouseholdKey & { sub: string; name: string } {
  const member = (ctx.state as NoticesState).session!.data.member!;
  return { insurerSymbol: member.insurerSymbol, insuredNumber: member.insuredNumber, sub: member.sub, name: member.name };
}

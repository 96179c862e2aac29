import type { Lang } from './i18n.js';
import type { SessionData, Tokens } from './session.js';

/** What our middleware puts on ctx.state. */
export interface NoticesState {
  lang: Lang;
  /** `tokens` is what `sealedTokens` (as stored, the version for compare-and-set) holds. */
  session?: { id: string; data: SessionData; dirty: boolean; tokens?: Tokens; sealedTokens?: string };
}

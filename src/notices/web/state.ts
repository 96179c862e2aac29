import type { Lang } from './i18n.js';
import type { SessionData } from './session.js';

/** What our middleware puts on ctx.state. */
export interface NoticesState {
  lang: Lang;
  session?: { id: string; data: SessionData; dirty: boolean };
}

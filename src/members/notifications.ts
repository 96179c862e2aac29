import type { Member } from '../db/member-store.js';
import { LANGUAGES, translator, type Lang } from '../i18n.js';
import type { Mailer } from '../mail/mailer.js';
import { japanTime } from './device.js';

export type FactorChange = 'otp_rebound' | 'passkey_added' | 'passkey_removed' | 'recovery_codes';

export interface SignInDetails {
  at: Date;
  device: string;
  ip: string | undefined;
}

/**
 * The mails that tell a member something changed on their account, one function per event.
 * Each says what to do if it was not them. A notice is sent after the change is stored; a
 * mail that cannot be sent is reported to `onError` and never undoes the change.
 */
export function createNotifications({ mailer, onError }: { mailer: Mailer; onError(error: unknown): void }) {
  /** Without a known language (a lockout at the login page) the mail is written in both, Japanese first. */
  const send = async (to: string | null, event: string, lang: Lang | undefined, params: Record<string, string | number> = {}) => {
    if (!to) return;
    const langs = lang ? [lang] : [...LANGUAGES];
    const subject = langs.map((l) => translator(l)(`mail.notice.${event}.subject`)).join(' / ');
    const text = langs
      .map((l) => {
        const t = translator(l);
        return `${t(`mail.notice.${event}.body`, params)}\n\n${t('mail.notice.not_you')}\n`;
      })
      .join('\n----\n\n');
    try {
      await mailer.send({ to, subject, text });
    } catch (error) {
      onError(error);
    }
  };
  const now = () => japanTime(new Date());

  return {
    passwordChanged: (member: Member, lang: Lang) => send(member.email, 'password_changed', lang, { at: now() }),

    /** Goes to the address being replaced, so the member hears of it even if someone else took over the account. */
    emailChanged: (member: Member, oldAddress: string | null, newAddress: string, lang: Lang) =>
      send(oldAddress, 'email_changed', lang, { at: now(), address: maskAddress(newAddress) }),

    factorChanged: (member: Member, change: FactorChange, lang: Lang) => send(member.email, `factor_${change}`, lang, { at: now() }),

    recoveryCodeUsed: (member: Member, remaining: number, lang?: Lang) => send(member.email, 'recovery_code_used', lang, { at: now(), remaining }),

    locked: (member: Member, lang?: Lang) => send(member.email, 'locked', lang, { at: now() }),

    newDevice: (member: Member, signIn: SignInDetails, lang: Lang) =>
      send(member.email, 'new_device', lang, { at: japanTime(signIn.at), device: signIn.device, ip: signIn.ip ?? '?' }),
  };
}

/** "ta****@example.com": enough for the member to recognise, not a gift to whoever reads the old mailbox. */
export function maskAddress(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 2)}${'*'.repeat(Math.max(1, Math.min(local.length - 2, 6)))}@${domain}`;
}

export type Notifications = ReturnType<typeof createNotifications>;

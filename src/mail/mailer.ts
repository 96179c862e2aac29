import { mkdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Config, Society } from '../config.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** `MAIL_FROM` as given when it names its sender, else with the society's name as the display name. */
function sender(config: Pick<Config, 'mailFrom' | 'society'>): string | { name: string; address: string } {
  return config.mailFrom.includes('<') ? config.mailFrom : { name: config.society.name, address: config.mailFrom.trim() };
}

/**
 * Every mail speaks in the society's name: `{society}` in a subject or text (the locale
 * files write it so) becomes its name, and the text ends with its contact.
 */
function branded(mail: Mail, society: Society): Mail {
  const { phone, hours, mail: address } = society.contact;
  const signature = [society.name, phone && `TEL ${phone}${hours ? ` (${hours})` : ''}`, !phone && hours, address].filter(Boolean).join('\n');
  const fill = (text: string) => text.replaceAll('{society}', society.name);
  return { ...mail, subject: fill(mail.subject), text: `${fill(mail.text).trimEnd()}\n\n--\n${signature}\n` };
}

/**
 * SMTP when SMTP_URL is set; otherwise each message is written, fully encoded, as an .eml
 * file in DATA_DIR/outbox, where an operator (or a test) can open it.
 */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir' | 'society'>): Mailer {
  // nodemailer is loaded with the first mail, not by every provider process at start-up.
  let transporter: Promise<Transporter> | undefined;
  const transport = () =>
    (transporter ??= import('nodemailer').then(({ default: nodemailer }) =>
      config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    ));
  if (config.smtpUrl) {
    return {
      async send(mail) {
        await (await transport()).sendMail({ from: sender(config), ...branded(mail, config.society) });
      },
    };
  }
  const outbox = join(config.dataDir, 'outbox');
  let outboxMade: Promise<unknown> | undefined;
  return {
    async send(mail) {
      const info = await (await transport()).sendMail({ from: sender(config), ...branded(mail, config.society) });
      // Time first, so a directory listing is in sending order.
      const file = join(outbox, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`);
      const write = () => writeFile(file, info.message as Buffer, { mode: 0o600 });
      // The directory is made once per process, and again if an operator removed it.
      await (outboxMade ??= mkdir(outbox, { recursive: true }));
      await write().catch(async (error: { code?: string }) => {
        if (error.code !== 'ENOENT') throw error;
        await (outboxMade = mkdir(outbox, { recursive: true }));
        await write();
      });
    },
  };
}

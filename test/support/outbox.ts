import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** Decodes the text body of an .eml file written by nodemailer (base64 or quoted-printable). */
export function decodeBody(eml: string): string {
  const [head, ...rest] = eml.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(head ?? '')?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  return body;
}

/** A header's value, unfolded, with RFC 2047 encoded words (a Japanese subject or sender name) decoded. */
function header(eml: string, name: string): string {
  const head = eml.split(/\r?\n\r?\n/)[0] ?? '';
  const raw = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head)?.[1] ?? '';
  return raw
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
    )
    .trim();
}

export interface SentMail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** The messages in DATA_DIR/outbox, oldest first. */
export function readOutbox(dataDir: string): SentMail[] {
  const dir = join(dataDir, 'outbox');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => {
      const eml = readFileSync(join(dir, f), 'utf8');
      return { from: header(eml, 'From'), to: header(eml, 'To'), subject: header(eml, 'Subject'), text: decodeBody(eml) };
    });
}

/** The 6-digit code of the last message sent to `to`. */
export function lastCode(dataDir: string, to: string): string {
  const mail = readOutbox(dataDir).filter((m) => m.to.includes(to)).at(-1);
  const code = mail && /(\d{6})/.exec(mail.text)?.[1];
  if (!code) throw new Error(`no code mailed to ${to}`);
  return code;
}

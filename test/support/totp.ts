import { createHmac } from 'node:crypto';

/**
 * RFC 6238 TOTP computed here, independently of the code under test (which uses otplib):
 * HMAC-SHA-1 over the big-endian time step, dynamic truncation (RFC 4226 §5.3).
 */
export function base32Decode(input: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of input.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((b) => parseInt(b, 2)));
}

export function hotp(key: Buffer, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

export function totp(secretBase32: string, at: Date | number = Date.now(), stepOffset = 0): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return hotp(base32Decode(secretBase32), Math.floor(ms / 1000 / 30) + stepOffset);
}

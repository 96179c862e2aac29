import { isIPv4, isIPv6 } from 'node:net';
import type { Config } from '../config.js';
import type { ThrottleStore } from '../db/throttle-store.js';
import { TooManyRequests } from '../errors.js';

export const HOUR = 3600;

/** A limit of `limit` attempts per key and fixed window, counted in a shared store. */
export interface RateLimit {
  /** Seconds until the key may try again; 0 while it is under the limit. */
  blockedFor(key: string, now?: Date): Promise<number>;
  /** Counts one attempt of the key; returns the count of the current window. */
  hit(key: string, now?: Date): Promise<number>;
  /**
   * Counts one attempt before it is made, atomically: `wait` is 0 and `refund` gives the
   * attempt back when it was counted, else `wait` is the seconds until the key may try again.
   */
  reserve(key: string, now?: Date): Promise<{ wait: number; refund(): Promise<void> }>;
}

/**
 * Fixed windows: simple to share between processes, and a key is never refused before it
 * has made `limit` attempts within a window (it may make up to twice as many across the
 * boundary of two windows, which is fine for a limit meant to be loose).
 */
export function createRateLimit({ store, name, limit, windowSeconds = HOUR }: { store: ThrottleStore; name: string; limit: number; windowSeconds?: number }): RateLimit {
  const seconds = (now: Date) => Math.floor(now.getTime() / 1000);
  const windowOf = (now: Date) => seconds(now) - (seconds(now) % windowSeconds);
  const bucket = (key: string) => `${name}:${key}`;
  return {
    async blockedFor(key, now = new Date()) {
      const start = windowOf(now);
      const hits = await store.count(bucket(key), start);
      return hits >= limit ? Math.max(1, start + windowSeconds - seconds(now)) : 0;
    },
    hit: (key, now = new Date()) => store.hit(bucket(key), windowOf(now), windowSeconds),
    async reserve(key, now = new Date()) {
      const start = windowOf(now);
      if (await store.reserve(bucket(key), start, windowSeconds, limit)) {
        // The refund goes to the window the attempt was counted in, even if a new one has begun since.
        return { wait: 0, refund: () => store.refund(bucket(key), start) };
      }
      return { wait: Math.max(1, start + windowSeconds - seconds(now)), refund: async () => {} };
    },
  };
}

/** The eight groups of an IPv6 address, expanded (an embedded IPv4 tail becomes two groups). */
function ipv6Groups(ip: string): string[] {
  const groups = (part: string) =>
    (part ? part.split(':') : []).flatMap((g) => {
      if (!g.includes('.')) return [g];
      const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const [head = '', tail] = ip.split('::');
  const first = groups(head);
  const last = tail === undefined ? [] : groups(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - first.length - last.length).fill('0');
  return [...first, ...zeros, ...last].map((g) => parseInt(g, 16).toString(16));
}

/**
 * What a client is counted as: an IPv4 address as it is (also when mapped into IPv6), an
 * IPv6 address by its /64 (one household or office gets a whole /64, so counting single
 * addresses would let one client rotate through billions of them), and anything that is
 * not an address at all as one shared "unknown" client.
 */
export function clientAddressKey(ip: string): string {
  const address = ip.replace(/%.*$/, '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}

/** Failed attempts per client address (DESIGN: loose, at least 100 an hour, then 429 with Retry-After). */
export interface AddressThrottle {
  /** Throws TooManyRequests when the address has used up its failed attempts for now. */
  check(ip: string, now?: Date): Promise<void>;
  /** Counts one failed attempt (a wrong password, birth date or code; a recovery request). */
  fail(ip: string, now?: Date): Promise<void>;
  /**
   * Counts an attempt before its work is done (before argon2 is spent on a password);
   * throws TooManyRequests when the address is over its limit. `refund` gives the attempt
   * back when it turned out not to be a failure.
   */
  reserve(ip: string, now?: Date): Promise<{ refund(): Promise<void> }>;
}

export function createAddressThrottle({ store, config }: { store: ThrottleStore; config: Pick<Config, 'throttlePerHour'> }): AddressThrottle {
  const limit = createRateLimit({ store, name: 'address', limit: config.throttlePerHour });
  return {
    async check(ip, now) {
      const wait = await limit.blockedFor(clientAddressKey(ip), now);
      if (wait > 0) throw new TooManyRequests(wait, 'errors.throttled', { minutes: Math.ceil(wait / 60) });
    },
    async fail(ip, now) {
      await limit.hit(clientAddressKey(ip), now);
    },
    async reserve(ip, now) {
      const reservation = await limit.reserve(clientAddressKey(ip), now);
      if (reservation.wait > 0) throw new TooManyRequests(reservation.wait, 'errors.throttled', { minutes: Math.ceil(reservation.wait / 60) });
      return reservation;
    },
  };
}

import { groupSecret, keyUri, matchingStep, normaliseCode } from '../../src/members/totp.js';
import { base32Decode, totp } from '../support/totp.js';

/** RFC 6238 appendix B, SHA-1: the 8-digit values; a 6-digit code is the same number mod 10^6. */
const VECTORS: Array<[seconds: number, code: string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
// "12345678901234567890" in base32
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

test('the test-side TOTP agrees with RFC 6238 (so it can judge the code under test)', () => {
  expect(base32Decode(SECRET).toString('ascii')).toBe('12345678901234567890');
  for (const [seconds, code] of VECTORS) expect(totp(SECRET, seconds * 1000)).toBe(code.slice(-6));
});

test.each(VECTORS)('the verifier accepts the RFC 6238 code at %i s in its own time step', (seconds, code) => {
  expect(matchingStep(SECRET, code.slice(-6), new Date(seconds * 1000))).toBe(Math.floor(seconds / 30));
});

describe('clock drift', () => {
  const now = new Date(1_700_000_000_000);
  const step = Math.floor(now.getTime() / 30_000);
  test.each([-1, 0, 1])('a code %i step(s) away is accepted and names its own step', (offset) => {
    expect(matchingStep(SECRET, totp(SECRET, now, offset), now)).toBe(step + offset);
  });
  test.each([-2, 2, -3, 3])('a code %i steps away is refused', (offset) => {
    expect(matchingStep(SECRET, totp(SECRET, now, offset), now)).toBeNull();
  });
  test('a wrong or malformed code is refused', () => {
    const right = totp(SECRET, now);
    expect(matchingStep(SECRET, String((Number(right) + 1) % 1_000_000).padStart(6, '0'), now)).toBeNull();
    expect(matchingStep(SECRET, right.slice(1), now)).toBeNull();
    expect(matchingStep(SECRET, `${right}0`, now)).toBeNull();
  });
});

test('codes typed with full-width digits, spaces or a hyphen are normalised', () => {
  expect(normaliseCode('１２３ ４５６')).toBe('123456');
  expect(normaliseCode('123-456')).toBe('123456');
});

test('the otpauth URI carries issuer, label and the seed apps\' parameters; the manual text is the same secret', () => {
  const uri = new URL(keyUri(SECRET, 'yamada.taro', '小野薬品健保'));
  expect(uri.protocol).toBe('otpauth:');
  expect(uri.host).toBe('totp');
  expect(decodeURIComponent(uri.pathname)).toBe('/小野薬品健保:yamada.taro');
  expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: SECRET, issuer: '小野薬品健保', algorithm: 'SHA1', digits: '6', period: '30' });
  expect(groupSecret(SECRET)).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
});

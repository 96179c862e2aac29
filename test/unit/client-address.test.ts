import { clientAddressKey } from '../../src/members/throttle.js';

describe('clientAddressKey', () => {
  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::198.51.100.1', '64:ff9b:0:0::/64'],
    ['1:2:3::198.51.100.1', '1:2:3:0::/64'],
    ['', 'unknown'],
    ['not an address', 'unknown'],
    ['x'.repeat(500), 'unknown'],
  ])('%s counts as %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });

  test('every address of one /64 is one client; the next /64 is another', () => {
    expect(clientAddressKey('2001:db8:aa:bb:1::1')).toBe(clientAddressKey('2001:db8:aa:bb:ffff:ffff:ffff:ffff'));
    expect(clientAddressKey('2001:db8:aa:bc::1')).not.toBe(clientAddressKey('2001:db8:aa:bb::1'));
  });
});

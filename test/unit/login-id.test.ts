import { initialPassword, NEW_LOGIN_ID, normaliseBirthDate, normaliseLoginId } from '../../src/members/login-id.js';

describe('normaliseLoginId', () => {
  test.each([
    ['Yamada.Taro', 'yamada.taro'],
    ['ＡＢＣ１２３', 'abc123'],
    ['  member01  ', 'member01'],
    ['\u3000ｍｅｍｂｅｒ＿０１\u3000', 'member_01'], // full-width spaces from a Japanese IME
    ['１０１２３４２００１０１０１', '10123420010101'],
  ])('%p -> %p', (input, expected) => {
    expect(normaliseLoginId(input)).toBe(expected);
  });
});

describe('NEW_LOGIN_ID', () => {
  test.each(['abcdefgh', 'a-b_c.d@e', 'member-2024', '1234567890abc', 'x@example.jp'])('accepts %p', (id) => {
    expect(NEW_LOGIN_ID.test(id)).toBe(true);
  });

  test.each([
    ['abcdefg', 'too short (7)'],
    ['abcdefghijklmn', 'too long (14)'],
    ['Abcdefgh', 'upper case (must be folded first)'],
    ['abcd efgh', 'space'],
    ['abcd+efgh', 'plus sign'],
    ['やまだたろうさん', 'kana'],
    ['abcdefgh\n', 'trailing newline'],
    ['', 'empty'],
  ])('refuses %p: %s', (id) => {
    expect(NEW_LOGIN_ID.test(id)).toBe(false);
  });

  test('applies to the normalised form: ＡＢＣＤＥＦＧＨ becomes acceptable', () => {
    expect(NEW_LOGIN_ID.test(normaliseLoginId('ＡＢＣＤＥＦＧＨ'))).toBe(true);
  });
});

describe('normaliseBirthDate', () => {
  test.each(['20010101', '2001/01/01', '２００１０１０１', '2001-01-01', ' 2001.01.01 ', '2001年01月01日'])('%p -> 2001-01-01', (input) => {
    expect(normaliseBirthDate(input)).toBe('2001-01-01');
  });

  test('a leap day is a real date in a leap year only', () => {
    expect(normaliseBirthDate('20000229')).toBe('2000-02-29');
    expect(normaliseBirthDate('20010229')).toBeNull();
  });

  test.each([
    ['20010230', 'no 30 February'],
    ['20011301', 'no 13th month'],
    ['20010100', 'no day 0'],
    ['2001013', 'seven digits'],
    ['200101011', 'nine digits'],
    ['2001-1-1', 'single-digit month and day'],
    ['abcdefgh', 'letters'],
    ['', 'empty'],
  ])('%p -> null (%s)', (input) => {
    expect(normaliseBirthDate(input)).toBeNull();
  });
});

describe('initialPassword', () => {
  test('symbol + number + birth date, as in the seed: 10 + 1234 + 2001-01-01', () => {
    expect(initialPassword({ insurerSymbol: '10', insuredNumber: '1234', birthDate: '2001-01-01' })).toBe('10123420010101');
  });

  test('任意継続: three-digit symbol and five-digit number', () => {
    expect(initialPassword({ insurerSymbol: '801', insuredNumber: '12345', birthDate: '1970-12-31' })).toBe('8011234519701231');
  });
});

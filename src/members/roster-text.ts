export type RosterEncoding = 'utf-8' | 'shift_jis';

/**
 * A roster file's bytes as text: UTF-8 (Excel's "CSV UTF-8", with or without BOM), else
 * Shift_JIS as Japanese Excel saves plain "CSV" (the WHATWG decoder is Windows-31J, so
 * NEC and IBM extensions such as ① and 髙 read correctly). Anything else is refused
 * rather than garbled: undefined.
 */
export function decodeRoster(bytes: Uint8Array): { text: string; encoding: RosterEncoding } | undefined {
  for (const encoding of ['utf-8', 'shift_jis'] as const) {
    try {
      return { text: new TextDecoder(encoding, { fatal: true }).decode(bytes), encoding };
    } catch {
      // not this encoding; try the next
    }
  }
  return undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A moment as the operator's clock shows it (the process's TZ), with its offset, so it
 * stays one exact instant: 2026-12-01T04:12:36+09:00 (or with a space for people).
 */
export function localTime(date: Date, separator: 'T' | ' ' = 'T'): string {
  const offset = -date.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day}${separator}${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${separator === ' ' ? ' ' : ''}${zone}`;
}

import { afterEach, beforeEach, jest } from '@jest/globals';

/**
 * Fakes only the date for each test of the file: the servers' timers and I/O run as usual,
 * and `advance(ms)` moves every `new Date()` / `Date.now()` forward (session timeouts).
 */
export function fakeDateEachTest(): (ms: number) => void {
  beforeEach(() => {
    jest.useFakeTimers({
      now: Date.now(),
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
  });
  afterEach(() => {
    jest.useRealTimers();
  });
  return (ms: number) => jest.setSystemTime(Date.now() + ms);
}

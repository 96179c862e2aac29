import { workerEnvironment, workerExecArgv } from '../../src/cluster.js';
import { passwordQueue } from '../../src/config.js';

describe("a worker's V8 flags", () => {
  it('keep the primary’s and add a 4 MiB young generation', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', '--max-semi-space-size=4']);
  });

  it('leave the size to an operator who chose one, in the flags or in NODE_OPTIONS', () => {
    expect(workerExecArgv(['--max-semi-space-size=16'])).toEqual(['--max-semi-space-size=16']);
    expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=32')).toEqual([]);
  });
});

describe('password verifies at once per process', () => {
  it('share the cores between the processes, one pool thread left free, the queue twice the pool', () => {
    expect(passwordQueue(4, 2, 2)).toEqual({ concurrency: 1, capacity: 8 });
    expect(passwordQueue(4, 1, 2)).toEqual({ concurrency: 2, capacity: 8 });
    expect(passwordQueue(4, 1, 16)).toEqual({ concurrency: 3, capacity: 8 });
    expect(passwordQueue(1, 4, 2)).toEqual({ concurrency: 1, capacity: 2 });
  });
});

describe("a worker's allocator", () => {
  it('has one arena when the worker verifies one password at a time', () => {
    expect(workerEnvironment({}, 1)).toEqual({ MALLOC_ARENA_MAX: '1' });
  });

  it('is left alone with several verifies at once, or when the operator set it', () => {
    expect(workerEnvironment({}, 2)).toEqual({});
    expect(workerEnvironment({ MALLOC_ARENA_MAX: '4' }, 1)).toEqual({});
  });
});

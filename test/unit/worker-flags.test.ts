import { workerExecArgv } from '../../src/cluster.js';

describe("a worker's V8 flags", () => {
  it('keep the primary’s and add a 4 MiB young generation', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', '--max-semi-space-size=4']);
  });

  it('leave the size to an operator who chose one, in the flags or in NODE_OPTIONS', () => {
    expect(workerExecArgv(['--max-semi-space-size=16'])).toEqual(['--max-semi-space-size=16']);
    expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=32')).toEqual([]);
  });
});

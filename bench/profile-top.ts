/**
 * The functions that took the most CPU in V8 profiles written by `node --cpu-prof`
 * (e.g. of the provider's workers during a bench run, see BENCH_PROVIDER_NODE_ARGS).
 * `node dist/bench/profile-top.js FILE.cpuprofile… [--top N]`: self time, by function and file.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const files = args.filter((a, i) => !a.startsWith('--') && !(topAt >= 0 && i === topAt + 1));
const selfHits = new Map<string, number>();
const byArea = new Map<string, number>();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
    const key = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`;
    selfHits.set(key, (selfHits.get(key) ?? 0) + hits);
    const area = where ? (/^(@[^/]+\/[^/]+|[^/]+)/.exec(where)?.[1] ?? where) : functionName;
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
    total += hits;
  }
}
const pct = (n: number) => `${((n / total) * 100).toFixed(1).padStart(5)} %`;
process.stdout.write('self time by package / area\n');
for (const [area, hits] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`  ${pct(hits)}  ${area}\n`);
process.stdout.write('\nself time by function\n');
for (const [key, hits] of [...selfHits].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(hits)}  ${key}\n`);

// `npm start` and `npm run demo`: compile only when a source is newer than the last build,
// so that starting a built checkout costs no compiler run. Plain JS: it runs before any build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
// Written only after a build succeeded: a failed one leaves compiled files but no newer stamp.
const stamp = join(root, 'dist', '.built');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.(ts|json)$/.test(path) ? stat.mtimeMs : 0;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const sources = ['src', 'migrations', 'bench', 'test', 'tsconfig.json'].map((p) => join(root, p)).filter(existsSync);
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (Math.max(...sources.map(newest)) > built) {
  if (built) process.stderr.write('sources changed since the last build: compiling…\n');
  const startedAt = new Date();
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  } catch {
    process.stderr.write('the build failed (see above)\n');
    process.exit(1);
  }
  // Stamped with the time the build began: a source saved during the build is newer and builds again next time.
  writeFileSync(stamp, `${startedAt.toISOString()}\n`);
  utimesSync(stamp, startedAt, startedAt);
}

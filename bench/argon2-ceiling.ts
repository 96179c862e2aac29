/**
 * The machine's argon2id ceiling with the provider's parameters: `concurrency` verifies in
 * flight for `seconds`, in its own process. Prints one JSON line: { perSecond, count }.
 * `node dist/bench/argon2-ceiling.js SECONDS CONCURRENCY MEMORY_KIB TIME_COST PARALLELISM`
 */
import argon2 from 'argon2';

const [seconds, concurrency, memoryCost, timeCost, parallelism] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const options = { type: argon2.argon2id, memoryCost, timeCost, parallelism };
const hash = await argon2.hash('Bench-password#1', options);
const deadline = Date.now() + seconds * 1000;
let count = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      if (!(await argon2.verify(hash, 'Bench-password#1'))) throw new Error('argon2 verify failed');
      count += 1;
    }
  }),
);
process.stdout.write(`${JSON.stringify({ perSecond: count / ((performance.now() - started) / 1000), count })}\n`);

/**
 * Statements per operation: the provider in this process (only so that knex's query events
 * can be counted), one login, one refresh, one userinfo, one introspection, each printed
 * with the SQL it sent. `node dist/bench/statements.js [--sql]`. Not a load test: see run.ts.
 */
import * as client from 'openid-client';
import { addRegisteredMember, startTestIdp } from '../test/support/idp.js';
import { benchRp, logIn } from './login.js';

const showSql = process.argv.includes('--sql');
const idp = await startTestIdp(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {});
try {
  const rp = await benchRp(idp);
  const members = [await addRegisteredMember(idp), await addRegisteredMember(idp)];
  let sql: string[] = [];
  idp.services.db.on('query', (q: { sql: string }) => sql.push(q.sql));
  const count = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    await work(); // warm: the first call fills caches
    sql = [];
    const value = await work();
    process.stdout.write(`${name.padEnd(16)} ${sql.length} statements\n`);
    if (showSql) for (const s of sql) process.stdout.write(`    ${s.slice(0, 160)}\n`);
    return value;
  };
  let i = 0;
  // Includes one UPDATE of the fixture's own: it forgets the member's last TOTP step to log in twice in one step.
  const tokens = await count('login', () => logIn(idp, rp, members[i++ % 2]!));
  let current: { access_token: string; refresh_token?: string } = tokens;
  await count('refresh', async () => {
    current = await client.refreshTokenGrant(rp.config, current.refresh_token!);
  });
  await count('userinfo', () => client.fetchUserInfo(rp.config, current.access_token, members[(i - 1) % 2]!.member.id));
  await count('introspection', () => client.tokenIntrospection(rp.config, current.access_token));
} finally {
  await idp.stop();
}

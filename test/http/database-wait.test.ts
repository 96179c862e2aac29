import { BrowserClient, formAction } from '../support/browser-client.js';
import { startTestIdp, type TestIdp } from '../support/idp.js';
import { authorizationRequest, openLogin, registerRp } from '../support/relying-party.js';

/**
 * A request that cannot get a database connection within knex's acquire timeout (10 s)
 * gets a 503 with Retry-After and a page in the member's language, never a 500; /healthz,
 * on its own connection, keeps answering meanwhile. The single SQLite connection is held
 * by an open transaction, as a long write would hold it.
 */
let idp: TestIdp;

beforeAll(async () => {
  // The subject is SQLite's single connection per process (PostgreSQL has a pool of them).
  idp = await startTestIdp({ DATABASE_URL: '', REDIS_URL: '' });
});
afterAll(() => idp.stop());

test('a login that waits too long for the database gets a 503, and /healthz still answers', async () => {
  const rp = await registerRp(idp);
  const browser = new BrowserClient();
  const page = await openLogin(browser, idp, await authorizationRequest(rp));
  const held = await idp.services.db.transaction();
  try {
    const login = browser.post(formAction(page.body, page.url), { login: 'someone', password: 'Some-password-1' });
    const started = performance.now();
    const health = await fetch(`${idp.url}/healthz`);
    expect(health.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    const res = await login;
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.body).toContain('ただいま混み合っています。');
    expect(res.body).not.toMatch(/Knex|at .*\.js:\d+/);
  } finally {
    await held.rollback();
  }
}, 30_000);

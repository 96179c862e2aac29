import { randomUUID } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import type { StorageAdapterClass } from '../../src/adapters/storage-adapter.js';

export type AdapterClass = StorageAdapterClass;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Unique per test, so the suite needs no cleanup between tests and can share one store. */
const newId = () => randomUUID().replaceAll('-', '');

/**
 * The contract every oidc-provider adapter of ours must keep, whatever the backend
 * (better-auth's create-test-suite idea): run it once per storage implementation.
 */
export function describeAdapterContract(
  name: string,
  makeAdapterClass: () => Promise<AdapterClass>,
  cleanup: () => Promise<void>,
  /** Backend-specific tests, run inside the same set-up and clean-up. */
  more?: () => void,
): void {
  describe(`${name}: oidc-provider adapter contract`, () => {
    let Adapter: AdapterClass;
    const model = (kind: string) => new Adapter(kind);

    beforeAll(async () => {
      Adapter = await makeAdapterClass();
    });
    afterAll(cleanup);

    test('upsert then find returns the payload', async () => {
      const id = newId();
      const payload: AdapterPayload = { accountId: 'm1', clientId: 'c1', scope: 'openid profile', exp: 2_000_000_000, amr: ['pwd', 'otp'] };
      await model('Session').upsert(id, payload, 60);
      expect(await model('Session').find(id)).toEqual(payload);
    });

    test('find of an unknown id returns undefined', async () => {
      expect(await model('Session').find(newId())).toBeUndefined();
    });

    test('a second upsert replaces the payload', async () => {
      const id = newId();
      await model('Interaction').upsert(id, { accountId: 'first', params: { a: 1 } }, 60);
      await model('Interaction').upsert(id, { accountId: 'second' }, 60);
      expect(await model('Interaction').find(id)).toEqual({ accountId: 'second' });
    });

    test('an upsert with expiresIn 0 stores the model without expiry', async () => {
      const id = newId();
      await model('Grant').upsert(id, { accountId: 'm1' }, 0);
      expect(await model('Grant').find(id)).toEqual({ accountId: 'm1' });
    });

    test('findByUid and findByUserCode find the model by its index', async () => {
      const session = newId();
      const uid = newId();
      await model('Session').upsert(session, { uid, accountId: 'm1' }, 60);
      expect(await model('Session').findByUid(uid)).toEqual({ uid, accountId: 'm1' });
      expect(await model('Session').findByUid(newId())).toBeUndefined();

      const device = newId();
      const userCode = `UC${newId().slice(0, 8)}`;
      await model('DeviceCode').upsert(device, { userCode, clientId: 'c1' }, 60);
      expect(await model('DeviceCode').findByUserCode(userCode)).toEqual({ userCode, clientId: 'c1' });
      expect(await model('DeviceCode').findByUserCode('UCnothere')).toBeUndefined();
    });

    test('findByUid does not return a model whose uid has since changed', async () => {
      const session = newId();
      const [oldUid, newUid] = [newId(), newId()];
      await model('Session').upsert(session, { uid: oldUid }, 60);
      await model('Session').upsert(session, { uid: newUid }, 60);
      expect(await model('Session').findByUid(oldUid)).toBeUndefined();
      expect(await model('Session').findByUid(newUid)).toEqual({ uid: newUid });
    });

    // One real wait covers every lookup: the SQL adapters compare against the clock in
    // the query and Redis expires keys itself, so fake timers would prove nothing.
    test('expired models are never returned, by id, uid or user code', async () => {
      const [byId, session, device, live] = [newId(), newId(), newId(), newId()];
      const [uid, userCode] = [newId(), `UC${newId().slice(0, 8)}`];
      await model('AuthorizationCode').upsert(byId, { grantId: newId() }, 1);
      await model('Session').upsert(session, { uid }, 1);
      await model('DeviceCode').upsert(device, { userCode }, 1);
      await model('AuthorizationCode').upsert(live, { accountId: 'still here' }, 60);
      expect(await model('AuthorizationCode').find(byId)).toBeDefined();

      await sleep(1_200);

      expect(await model('AuthorizationCode').find(byId)).toBeUndefined();
      expect(await model('Session').findByUid(uid)).toBeUndefined();
      expect(await model('DeviceCode').findByUserCode(userCode)).toBeUndefined();
      expect(await model('AuthorizationCode').find(live)).toEqual({ accountId: 'still here' });
    });

    test('consume marks the model consumed and keeps the rest of the payload', async () => {
      const id = newId();
      await model('AuthorizationCode').upsert(id, { accountId: 'm1', grantId: 'g' }, 60);
      expect((await model('AuthorizationCode').find(id))?.consumed).toBeFalsy();
      await model('AuthorizationCode').consume(id);
      const found = await model('AuthorizationCode').find(id);
      expect(found?.consumed).toBeTruthy();
      expect(found).toMatchObject({ accountId: 'm1', grantId: 'g' });
    });

    test('consume of an unknown id creates nothing and reports that nothing was consumed', async () => {
      const id = newId();
      expect(await model('AuthorizationCode').consume(id)).toBe(false);
      expect(await model('AuthorizationCode').find(id)).toBeUndefined();
    });

    test('consume succeeds once: a second consume of the same model is refused', async () => {
      const id = newId();
      await model('RefreshToken').upsert(id, { grantId: newId() }, 60);
      expect(await model('RefreshToken').consume(id)).toBe(true);
      expect(await model('RefreshToken').consume(id)).toBe(false);
    });

    test('parallel consumes of one model: exactly one wins, on fresh adapter instances', async () => {
      for (const kind of ['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PushedAuthorizationRequest']) {
        const id = newId();
        await model(kind).upsert(id, { grantId: newId() }, 60);
        const results = await Promise.all(Array.from({ length: 20 }, () => model(kind).consume(id)));
        expect({ kind, won: results.filter(Boolean).length }).toEqual({ kind, won: 1 });
        expect((await model(kind).find(id))?.consumed).toBeTruthy();
      }
    });

    test('an expired model cannot be consumed', async () => {
      const id = newId();
      await model('AuthorizationCode').upsert(id, { grantId: newId() }, 1);
      await sleep(1_200);
      expect(await model('AuthorizationCode').consume(id)).toBe(false);
    });

    test('consume keeps the expiry', async () => {
      const id = newId();
      await model('AuthorizationCode').upsert(id, { accountId: 'm1' }, 1);
      await model('AuthorizationCode').consume(id);
      await sleep(1_200);
      expect(await model('AuthorizationCode').find(id)).toBeUndefined();
    });

    test('destroy removes the model', async () => {
      const id = newId();
      const uid = newId();
      await model('Session').upsert(id, { uid }, 60);
      await model('Session').destroy(id);
      expect(await model('Session').find(id)).toBeUndefined();
      expect(await model('Session').findByUid(uid)).toBeUndefined();
    });

    test('revokeByGrantId removes every model of the grant, whatever its kind, and nothing else', async () => {
      const [g1, g2] = [newId(), newId()];
      const of = (grantId: string) => ({
        AccessToken: { id: newId(), payload: { grantId, accountId: 'm1' } },
        RefreshToken: { id: newId(), payload: { grantId, accountId: 'm1' } },
        AuthorizationCode: { id: newId(), payload: { grantId, accountId: 'm1' } },
      });
      const first = of(g1);
      const second = of(g2);
      for (const models of [first, second]) {
        for (const [kind, { id, payload }] of Object.entries(models)) await model(kind).upsert(id, payload, 60);
      }
      // A longer-lived model joining the grant later must be revoked too.
      const late = newId();
      await model('RefreshToken').upsert(late, { grantId: g1 }, 3_600);

      await model('AccessToken').revokeByGrantId(g1);

      for (const [kind, { id }] of Object.entries(first)) expect(await model(kind).find(id)).toBeUndefined();
      expect(await model('RefreshToken').find(late)).toBeUndefined();
      for (const [kind, { id, payload }] of Object.entries(second)) expect(await model(kind).find(id)).toEqual(payload);
    });

    test('models of different kinds with the same id do not collide', async () => {
      const id = newId();
      await model('AccessToken').upsert(id, { accountId: 'access' }, 60);
      await model('RefreshToken').upsert(id, { accountId: 'refresh' }, 60);
      expect(await model('AccessToken').find(id)).toEqual({ accountId: 'access' });
      expect(await model('RefreshToken').find(id)).toEqual({ accountId: 'refresh' });

      await model('RefreshToken').consume(id);
      expect((await model('AccessToken').find(id))?.consumed).toBeFalsy();
      await model('AccessToken').destroy(id);
      expect(await model('AccessToken').find(id)).toBeUndefined();
      expect(await model('RefreshToken').find(id)).toMatchObject({ accountId: 'refresh' });
    });

    test('findByUid only looks at its own kind', async () => {
      const uid = newId();
      await model('Session').upsert(newId(), { uid }, 60);
      expect(await model('Interaction').findByUid(uid)).toBeUndefined();
    });

    more?.();
  });
}

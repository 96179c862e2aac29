/**
 * The yardstick: oidc-provider of the same version with nothing of ours — its in-memory
 * adapter, its development interactions (any login name), one static client — one process.
 * `PORT=… BARE_CLIENT_SECRET=… node dist/bench/bare-provider.js`; prints "listening" when ready.
 */
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { REDIRECT_URI } from '../test/support/relying-party.js';

const port = Number(process.env.PORT);
const provider = new Provider(`http://localhost:${port}`, {
  clients: [
    {
      client_id: 'bare',
      client_secret: process.env.BARE_CLIENT_SECRET ?? 'bare-secret',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, preferred_username: sub }) }),
  claims: { openid: ['sub'], profile: ['preferred_username'] },
  scopes: ['openid', 'offline_access', 'profile'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, introspection: { enabled: true }, userinfo: { enabled: true } },
  issueRefreshToken: async () => true,
  rotateRefreshToken: true,
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600, Session: 8 * 3600, Grant: 30 * 24 * 3600, RefreshToken: 8 * 3600 },
});
const server = createServer(provider.callback());
server.keepAliveTimeout = 5_000;
server.listen(port, () => process.stdout.write('listening\n'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));

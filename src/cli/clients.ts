import { Option, type Command } from 'commander';
import type { ClientRecord } from '../db/client-store.js';
import { fields, run, table, withJson, type JsonFlag } from './output.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** What an operator may see of a client: never the secret, which is shown only when created or rotated. */
function describeClient(client: ClientRecord) {
  return {
    client_id: client.clientId,
    name: client.name,
    public: client.sealedSecret === null,
    first_party: client.firstParty,
    pkce: client.pkceRequired ? 'required' : 'optional',
    redirect_uris: client.metadata.redirect_uris,
    post_logout_redirect_uris: client.metadata.post_logout_redirect_uris,
    grant_types: client.metadata.grant_types,
    token_endpoint_auth_method: client.metadata.token_endpoint_auth_method,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  };
}

interface AddFlags extends JsonFlag {
  name: string;
  redirectUri: string[];
  postLogoutRedirectUri: string[];
  firstParty?: boolean;
  public?: boolean;
  pkce?: 'required' | 'optional';
}

export function registerClients(program: Command): void {
  const clients = program.command('clients').description('relying parties (OIDC clients)');

  withJson(
    clients
      .command('add')
      .description('register a client; prints its client_id and client_secret (the secret is shown only here)')
      .requiredOption('--name <name>', 'name shown to members')
      .option('--redirect-uri <uri>', 'exact redirect URI (repeat for several; https, or http on localhost)', collect, [])
      .option('--post-logout-redirect-uri <uri>', 'where RP-initiated logout may return (repeatable)', collect, [])
      .option('--first-party', "the society's own app: members are not asked for consent")
      .option('--public', 'no secret (native or browser app, PKCE only)')
      .addOption(new Option('--pkce <when>', 'whether a confidential client must send PKCE').choices(['required', 'optional']).default('required')),
  ).action((flags: AddFlags) =>
    run(flags, async (services) => {
      const { client, clientSecret } = await services.clients.add({
        name: flags.name,
        redirectUris: flags.redirectUri,
        postLogoutRedirectUris: flags.postLogoutRedirectUri,
        firstParty: flags.firstParty,
        public: flags.public,
        pkce: flags.pkce,
      });
      const described = describeClient(client);
      return {
        json: { ...described, client_secret: clientSecret },
        text: [
          fields({ client_id: client.clientId, client_secret: clientSecret ?? '(public client: none)' }),
          clientSecret ? 'store the secret now: `kenpo` will not show it again (use rotate-secret to replace it)' : '',
        ].filter(Boolean).join('\n'),
      };
    }),
  );

  withJson(clients.command('list').description('list clients')).action((flags: JsonFlag) =>
    run(flags, async (services) => {
      const list = (await services.clients.list()).map(describeClient);
      return {
        json: list,
        text: list.length
          ? table(['client_id', 'name', 'type', 'redirect_uris'], list.map((c) => [c.client_id, c.name, `${c.public ? 'public' : 'confidential'}${c.first_party ? ', first-party' : ''}`, c.redirect_uris]))
          : 'no clients',
      };
    }),
  );

  withJson(clients.command('show').description('show one client (without its secret)').argument('<client_id>')).action((clientId: string, flags: JsonFlag) =>
    run(flags, async (services) => {
      const client = describeClient(await services.clients.show(clientId));
      return { json: client, text: fields(client) };
    }),
  );

  withJson(
    clients.command('rotate-secret').description('replace the client secret; the old one stops working at once').argument('<client_id>'),
  ).action((clientId: string, flags: JsonFlag) =>
    run(flags, async (services) => {
      const secret = await services.clients.rotateSecret(clientId);
      return { json: { client_id: clientId, client_secret: secret }, text: fields({ client_id: clientId, client_secret: secret }) };
    }),
  );

  withJson(
    clients.command('remove').description('remove a client; tokens issued to it stop working').argument('<client_id>'),
  ).action((clientId: string, flags: JsonFlag) =>
    run(flags, async (services) => {
      await services.clients.remove(clientId);
      return { json: { client_id: clientId, removed: true }, text: `removed client ${clientId}` };
    }),
  );
}

import { Option, type Command } from 'commander';
import type { ClientRecord } from '../db/client-store.js';
import type { Cli, JsonFlag } from './output.js';

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

export function registerClients(program: Command, cli: Cli): void {
  const { t, fields, table } = cli;
  const clients = program.command('clients').description(t('clients.description'));

  cli.withJson(
    clients
      .command('add')
      .description(t('clients.add.description'))
      .requiredOption('--name <name>', t('clients.add.name'))
      .option('--redirect-uri <uri>', t('clients.add.redirect_uri'), collect, [])
      .option('--post-logout-redirect-uri <uri>', t('clients.add.post_logout_redirect_uri'), collect, [])
      .option('--first-party', t('clients.add.first_party'))
      .option('--public', t('clients.add.public'))
      .addOption(new Option('--pkce <when>', t('clients.add.pkce')).choices(['required', 'optional']).default('required')),
  ).action((flags: AddFlags) =>
    cli.run(flags, async (services) => {
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
          fields({ client_id: client.clientId, client_secret: clientSecret ?? t('clients.no_secret') }),
          clientSecret ? t('clients.store_secret') : '',
        ].filter(Boolean).join('\n'),
      };
    }),
  );

  cli.withJson(clients.command('list').description(t('clients.list.description'))).action((flags: JsonFlag) =>
    cli.run(flags, async (services) => {
      const list = (await services.clients.list()).map(describeClient);
      return {
        json: list,
        text: list.length
          ? table(['client_id', 'name', 'type', 'redirect_uris'], list.map((c) => [c.client_id, c.name, `${t(c.public ? 'clients.public' : 'clients.confidential')}${c.first_party ? t('clients.first_party_suffix') : ''}`, c.redirect_uris]))
          : t('clients.none'),
      };
    }),
  );

  cli.withJson(clients.command('show').description(t('clients.show.description')).argument('<client_id>')).action((clientId: string, flags: JsonFlag) =>
    cli.run(flags, async (services) => {
      const client = describeClient(await services.clients.show(clientId));
      return { json: client, text: fields(client) };
    }),
  );

  cli.withJson(
    clients.command('rotate-secret').description(t('clients.rotate_secret.description')).argument('<client_id>'),
  ).action((clientId: string, flags: JsonFlag) =>
    cli.run(flags, async (services) => {
      const secret = await services.clients.rotateSecret(clientId);
      return { json: { client_id: clientId, client_secret: secret }, text: fields({ client_id: clientId, client_secret: secret }) };
    }),
  );

  cli.withJson(
    clients.command('remove').description(t('clients.remove.description')).argument('<client_id>'),
  ).action((clientId: string, flags: JsonFlag) =>
    cli.run(flags, async (services) => {
      await services.clients.remove(clientId);
      return { json: { client_id: clientId, removed: true }, text: t('clients.removed', { client_id: clientId }) };
    }),
  );
}

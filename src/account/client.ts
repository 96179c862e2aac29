import type { ClientMetadata } from 'oidc-provider';
import type { Config } from '../config.js';

/**
 * The account page signs a member in as a first-party client of its own provider. It is
 * configured in code (a static client of oidc-provider), not in the clients table: an
 * operator cannot remove it, and it needs no secret because it never exchanges the code.
 */
export const ACCOUNT_CLIENT_ID = 'kenpo-account';

export const accountRedirectUri = (config: Pick<Config, 'issuer'>) => `${config.issuer}/account/signed-in`;

export function accountClient(config: Pick<Config, 'issuer' | 'issuerName'>): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: config.issuerName,
    redirect_uris: [accountRedirectUri(config)],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
  };
}

import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { Config } from './config.js';
import { createAdapterFactory } from './adapters/index.js';
import { createClientService } from './clients/client-service.js';
import { createSecretBox, type SecretBox } from './crypto/secret-box.js';
import { createDatabase, migrate } from './db/knex.js';
import { createKeyService } from './oidc/keys.js';
import { createMemberService } from './members/member-service.js';
import { createPasswordHasher } from './members/password.js';
import { createEmailVerification } from './members/email-verification.js';
import { createRegistrationService } from './members/registration-service.js';
import { createTermsService } from './members/terms-service.js';
import { createOtpService } from './members/otp-service.js';
import { createPasskeyService } from './members/passkey-service.js';
import { createMemberAdmin } from './members/member-admin.js';
import { createAuditStore } from './db/audit-store.js';
import { createThrottleStore } from './db/throttle-store.js';
import { createRecoveryService } from './members/recovery-service.js';
import { createAddressThrottle } from './members/throttle.js';
import { createMailer } from './mail/mailer.js';

/**
 * The services of the identity provider, wired once from the configuration. The server
 * and the CLI both start here, so they share one set of rules.
 */
export async function openServices(config: Config, options: { migrate?: boolean } = {}) {
  const db: Knex = createDatabase(config);
  try {
    if (options.migrate !== false) await migrate(db, { tokenHashKey: config.tokenHashKey });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // lazyConnect: the CLI opens services too, and most of its commands never touch Redis.
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 }) : undefined;
  const box: SecretBox = createSecretBox(config.dataKeys);
  const hasher = createPasswordHasher(config.argon2);
  const members = createMemberService({ db, hasher, config });
  const mailer = createMailer(config);
  const throttleStore = createThrottleStore({ db, redis });
  const recovery = createRecoveryService({ db, hasher, mailer, throttleStore, config });
  return {
    config,
    db,
    redis,
    box,
    hasher,
    mailer,
    members,
    registration: createRegistrationService({ db, hasher, members }),
    terms: createTermsService(db),
    email: createEmailVerification({ db, mailer }),
    otp: createOtpService({ db, box, config, members }),
    passkeys: createPasskeyService({ db, config, members }),
    memberAdmin: createMemberAdmin({ db }),
    recovery,
    throttle: createAddressThrottle({ store: throttleStore, config }),
    audit: createAuditStore(db),
    clients: createClientService(db, box),
    keys: createKeyService(db, box),
    async close() {
      await recovery.settle(); // its failures are recorded in the database
      await db.destroy();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export type Services = Awaited<ReturnType<typeof openServices>>;

export function adapterFor(services: Services) {
  return createAdapterFactory({ db: services.db, redis: services.redis, tokenHashKey: services.config.tokenHashKey, findClient: (id) => services.clients.providerMetadata(id) });
}

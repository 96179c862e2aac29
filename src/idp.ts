import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { Config } from './config.js';
import { createAdapterFactory } from './adapters/index.js';
import { createStoredIds } from './adapters/stored-ids.js';
import { createClientService } from './clients/client-service.js';
import { createSecretBox, type SecretBox } from './crypto/secret-box.js';
import { createDatabase, migrate } from './db/knex.js';
import { createKeyService } from './oidc/keys.js';
import { createMemberService } from './members/member-service.js';
import { createPasswordHasher } from './members/password.js';
import { createEmailVerification } from './members/email-verification.js';
import { createRegistrationService } from './members/registration-service.js';
import { createTermsService } from './members/terms-service.js';
import { installFirstTerms } from './members/first-terms.js';
import { createOtpService } from './members/otp-service.js';
import { createPasskeyService } from './members/passkey-service.js';
import { createMemberAdmin } from './members/member-admin.js';
import { createAuditStore } from './db/audit-store.js';
import { createThrottleStore } from './db/throttle-store.js';
import { createRecoveryService } from './members/recovery-service.js';
import { createAddressThrottle } from './members/throttle.js';
import { createMailer } from './mail/mailer.js';
import { createLogger } from './log.js';
import { createNotifications } from './members/notifications.js';
import { createAccountService } from './members/account-service.js';
import { createConsentService } from './members/consent-service.js';
import { createMetrics } from './metrics/metrics.js';

/**
 * The services of the identity provider, wired once from the configuration. The server
 * and the CLI both start here, so they share one set of rules.
 */
export async function openServices(config: Config, options: { migrate?: boolean } = {}) {
  const db: Knex = createDatabase(config);
  try {
    if (options.migrate !== false) {
      await migrate(db, { tokenHashKey: config.tokenHashKey });
      // Part of migrating: a fresh database gets the society's first terms (seed 2-4).
      await installFirstTerms(createTermsService(db));
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // lazyConnect: the CLI opens services too, and most of its commands never touch Redis.
  // Loaded only when configured: a provider on SQLite alone does not carry the Redis client.
  const redis = config.redisUrl ? new (await import('ioredis')).Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 }) : undefined;
  const box: SecretBox = createSecretBox(config.dataKeys);
  const metrics = createMetrics();
  const hasher = createPasswordHasher(config.argon2, config.passwordQueue);
  metrics.watchPasswordQueue(() => hasher.stats().queued);
  metrics.watchDatabase(db);
  const mailer = createMailer(config);
  const logger = createLogger(config);
  const notify = createNotifications({ mailer, onError: (err) => logger.warn({ err }, 'notice mail failed') });
  const members = createMemberService({ db, hasher, config, notify, metrics });
  const storedModelId = createStoredIds(config.tokenHashKey).hash;
  const throttleStore = createThrottleStore({ db, redis, redisPrefix: config.redisPrefix });
  const recovery = createRecoveryService({ db, hasher, mailer, throttleStore, config });
  return {
    config,
    db,
    redis,
    box,
    hasher,
    metrics,
    mailer,
    members,
    registration: createRegistrationService({ db, hasher, members }),
    terms: createTermsService(db),
    email: createEmailVerification({ db, mailer, members }),
    otp: createOtpService({ db, box, config, members, notify }),
    passkeys: createPasskeyService({ db, config, members, notify }),
    notify,
    /** The time the account page judges a re-authentication by; a test may move it. */
    clock: { now: () => new Date() },
    account: createAccountService({ db, hasher, members, notify, storedModelId }),
    memberAdmin: createMemberAdmin({ db }),
    recovery,
    throttle: createAddressThrottle({ store: throttleStore, config }),
    audit: createAuditStore(db),
    clients: createClientService(db, box),
    keys: createKeyService(db, box),
    consents: createConsentService(db, storedModelId),
    async close() {
      await recovery.settle(); // its failures are recorded in the database
      await db.destroy();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export type Services = Awaited<ReturnType<typeof openServices>>;

export function adapterFor(services: Services) {
  return createAdapterFactory({ db: services.db, redis: services.redis, redisPrefix: services.config.redisPrefix, tokenHashKey: services.config.tokenHashKey, findClient: (id) => services.clients.providerMetadata(id) });
}

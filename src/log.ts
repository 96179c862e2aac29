import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** Structured JSON logs. Anything that could hold a secret is redacted by path. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'kenpo-idp' },
      redact: {
        // A form or query field `code` is a secret, but `err.code` is what an operator needs:
        // no `*.code` wildcard. A PostgreSQL error's `detail` quotes the offending values.
        paths: ['password', '*.password', 'secret', '*.secret', 'client_secret', '*.client_secret', 'code', 'form.code', 'body.code', 'query.code', 'params.code', 'token', '*.token', 'err.detail', 'req.headers.cookie', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

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
        paths: ['password', '*.password', 'secret', '*.secret', 'client_secret', '*.client_secret', 'code', '*.code', 'token', '*.token', 'req.headers.cookie', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; tokens, secrets and cookies are redacted by path. */
export function createNoticesLogger(config: { logLevel: string }, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'kenpo-notices' },
      redact: {
        // `code` (the authorization code) by name, never `*.code`: `err.code` must stay.
        paths: ['secret', '*.secret', 'token', '*.token', 'refresh_token', '*.refresh_token', 'access_token', '*.access_token', 'id_token', '*.id_token', 'code', 'query.code', 'params.code', 'err.detail', 'req.headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * Errors of the notices app: an HTTP status, a stable code (the locale key of the message
 * shown) and whether the message may be shown. One handler renders them (web/errors.ts).
 */
export class NoticesError extends Error {
  readonly status: number = 500;
  readonly expose: boolean = false;
  constructor(
    readonly code: string,
    message = code,
    readonly params: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends NoticesError {
  override readonly status = 400;
  override readonly expose = true;
}

export class Forbidden extends NoticesError {
  override readonly status = 403;
  override readonly expose = true;
}

/** Also what another member's record looks like: it does not exist for you. */
export class NotFound extends NoticesError {
  override readonly status = 404;
  override readonly expose = true;
  constructor(code = 'errors.not_found', message?: string, params: Record<string, string | number> = {}) {
    super(code, message, params);
  }
}

export class PayloadTooLarge extends NoticesError {
  override readonly status = 413;
  override readonly expose = true;
}

/** The identity provider could not be reached or refused us: not the member's fault. */
export class SignInFailed extends NoticesError {
  override readonly status = 502;
  override readonly expose = true;
}

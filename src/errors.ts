/**
 * Errors carry an HTTP status, a stable code (also the locale key of the message shown)
 * and whether their message may be shown. One handler renders them; see server.ts.
 */
export class AppError extends Error {
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

/** A member's or an operator's mistake: shown as is, never logged as a failure of ours. */
export class InvalidInput extends AppError {
  override readonly status = 400;
  override readonly expose = true;
}

export class NotFound extends AppError {
  override readonly status = 404;
  override readonly expose = true;
}

export class Conflict extends AppError {
  override readonly status = 409;
  override readonly expose = true;
}

/** Refused for now: the answer says when to try again (Retry-After). */
export abstract class RetryLater extends AppError {
  override readonly expose = true;
  constructor(
    readonly retryAfterSeconds: number,
    code: string,
    params: Record<string, string | number> = {},
  ) {
    super(code, code, params);
  }
}

/** Too busy for this request right now (a full password queue, a database wait): 503 with Retry-After. */
export class ServiceUnavailable extends RetryLater {
  override readonly status = 503;
  constructor(retryAfterSeconds: number, code = 'errors.busy', params: Record<string, string | number> = {}) {
    super(retryAfterSeconds, code, params);
  }
}

export class TooManyRequests extends RetryLater {
  override readonly status = 429;
  constructor(retryAfterSeconds: number, code = 'errors.too_many_requests', params: Record<string, string | number> = {}) {
    super(retryAfterSeconds, code, params);
  }
}

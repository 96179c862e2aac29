import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';

export interface QueryUse {
  queries: number;
  /** Time between sending each query and its answer, summed (queries on one SQLite connection never overlap). */
  queryMs: number;
}

/** Counts the SQL statements knex sends and the time they take, through knex's own query events. */
export class QueryProbe {
  readonly #started = new Map<string, number>();
  #use: QueryUse = { queries: 0, queryMs: 0 };

  constructor(db: Knex) {
    db.on('query', (query: { __knexQueryUid?: string }) => {
      this.#use.queries += 1;
      if (query.__knexQueryUid) this.#started.set(query.__knexQueryUid, performance.now());
    });
    const done = (query: { __knexQueryUid?: string }) => {
      const started = query.__knexQueryUid && this.#started.get(query.__knexQueryUid);
      if (!started) return;
      this.#started.delete(query.__knexQueryUid!);
      this.#use.queryMs += performance.now() - started;
    };
    db.on('query-response', (_response: unknown, query: { __knexQueryUid?: string }) => done(query));
    db.on('query-error', (_error: unknown, query: { __knexQueryUid?: string }) => done(query));
  }

  /** What was used since the previous call. */
  take(): QueryUse {
    const use = this.#use;
    this.#use = { queries: 0, queryMs: 0 };
    return use;
  }
}

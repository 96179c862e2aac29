import type { Knex } from 'knex';
import { dbTime, toDate } from './knex.js';

export interface Terms {
  version: string;
  textJa: string;
  textEn: string;
  textHash: string;
  publishedAt: Date;
}

function fromRow(row: Record<string, unknown>): Terms {
  return {
    version: String(row.version),
    textJa: String(row.text_ja),
    textEn: String(row.text_en),
    textHash: String(row.text_hash),
    publishedAt: toDate(row.published_at)!,
  };
}

export function createTermsStore(db: Knex | Knex.Transaction) {
  return {
    /** The version in force: the last one published. */
    async current(): Promise<Terms | undefined> {
      const row = await db('terms').orderBy('published_at', 'desc').orderBy('version', 'desc').first();
      return row ? fromRow(row) : undefined;
    },
    async find(version: string): Promise<Terms | undefined> {
      const row = await db('terms').where({ version }).first();
      return row ? fromRow(row) : undefined;
    },
    async insert(terms: Terms): Promise<void> {
      await db('terms').insert({ version: terms.version, text_ja: terms.textJa, text_en: terms.textEn, text_hash: terms.textHash, published_at: dbTime(terms.publishedAt) });
    },
    async recordAcceptance(acceptance: { memberId: string; version: string; textHash: string; clientId: string | null; at: Date }): Promise<void> {
      await db('terms_acceptances').insert({ member_id: acceptance.memberId, version: acceptance.version, text_hash: acceptance.textHash, client_id: acceptance.clientId, accepted_at: dbTime(acceptance.at) });
    },
    async acceptances(memberId: string): Promise<Array<{ version: string; textHash: string; clientId: string | null; acceptedAt: Date }>> {
      const rows = await db('terms_acceptances').where({ member_id: memberId }).orderBy('id');
      return rows.map((r: Record<string, unknown>) => ({ version: String(r.version), textHash: String(r.text_hash), clientId: (r.client_id as string | null) ?? null, acceptedAt: toDate(r.accepted_at)! }));
    },
  };
}

import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { createAuditStore } from '../db/audit-store.js';
import { isUniqueViolation } from '../db/knex.js';
import { createMemberStore, type Member } from '../db/member-store.js';
import { createTermsStore, type Terms } from '../db/terms-store.js';
import { Conflict, InvalidInput } from '../errors.js';
import { createTtlCache } from '../ttl-cache.js';

export function hashTermsText(ja: string, en: string): string {
  return createHash('sha256').update(ja).update('\u0000').update(en).digest('hex');
}

/** Versioned terms of use (seed 2-4): publishing a new version asks every member again at their next login. */
export function createTermsService(db: Knex) {
  const store = createTermsStore(db);
  // Every step of every login asks for the current terms: read once a second per process.
  // A version published by the CLI is asked for at most that long after.
  const currentCache = createTtlCache(() => store.current(), { ttlMs: 1_000, maxEntries: 1 });
  return {
    current: () => currentCache.get(undefined),

    async publish(version: string, textJa: string, textEn: string, now = new Date()): Promise<Terms> {
      if (!/^[A-Za-z0-9._-]{1,32}$/.test(version)) throw new InvalidInput('errors.terms_version', `version ${version} must be 1–32 characters of letters, digits, . _ -`, { version });
      if (!textJa.trim() || !textEn.trim()) throw new InvalidInput('errors.terms_text', 'both the Japanese and the English text are required');
      const current = await store.current();
      // Published versions sort by time; a clock that went backwards must not make an old version current again.
      const publishedAt = current && current.publishedAt >= now ? new Date(current.publishedAt.getTime() + 1) : now;
      const terms: Terms = { version, textJa, textEn, textHash: hashTermsText(textJa, textEn), publishedAt };
      try {
        await db.transaction(async (trx) => {
          await createTermsStore(trx).insert(terms);
          await createAuditStore(trx).record({ actor: 'operator', event: 'terms.published', details: { version } });
        });
        currentCache.forget();
      } catch (error) {
        if (isUniqueViolation(error) || /PRIMARY|unique|duplicate/i.test(String(error))) throw new Conflict('errors.terms_exists', `terms version ${version} already exists`, { version });
        throw error;
      }
      return terms;
    },

    /**
     * The society's first terms, installed by the system when none are published, so first
     * registration never skips its terms step. Returns undefined when terms were already there.
     * Two processes starting at once both try the same version; its key lets one win.
     */
    async installFirst(version: string, textJa: string, textEn: string, now = new Date()): Promise<Terms | undefined> {
      const terms: Terms = { version, textJa, textEn, textHash: hashTermsText(textJa, textEn), publishedAt: now };
      try {
        return await db.transaction(async (trx) => {
          const store = createTermsStore(trx);
          if (await store.current()) return undefined;
          await store.insert(terms);
          await createAuditStore(trx).record({ actor: 'system', event: 'terms.installed', details: { version } });
          return terms;
        });
      } catch (error) {
        if (isUniqueViolation(error) || /PRIMARY|unique|duplicate/i.test(String(error))) return undefined;
        throw error;
      }
    },

    /** Records that the member accepted exactly the text they were shown. */
    async accept(member: Member, terms: Terms, clientId: string | null, now = new Date()): Promise<void> {
      await db.transaction(async (trx) => {
        await createTermsStore(trx).recordAcceptance({ memberId: member.id, version: terms.version, textHash: terms.textHash, clientId, at: now });
        await createMemberStore(trx).update(member.id, { termsVersion: terms.version }, now);
        await createAuditStore(trx).record({ actor: 'member', event: 'terms.accepted', memberId: member.id, clientId, details: { version: terms.version } });
      });
    },

    acceptances: (memberId: string) => store.acceptances(memberId),
  };
}

export type TermsService = ReturnType<typeof createTermsService>;

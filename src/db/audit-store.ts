import type { Knex } from 'knex';
import { dbTime, toDate } from './knex.js';

export interface AuditEvent {
  actor: 'member' | 'operator' | 'system';
  event: string;
  memberId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  /** Never secrets: ids, counts, reasons. */
  details?: Record<string, unknown>;
}

export interface StoredAuditEvent extends AuditEvent {
  id: number;
  at: Date;
  /** The member's user ID now (members may change it); null for events about no member. */
  memberLoginId: string | null;
}

export function createAuditStore(db: Knex | Knex.Transaction) {
  return {
    async record(event: AuditEvent, at = new Date()): Promise<void> {
      await db('audit_events').insert({
        at: dbTime(at),
        actor: event.actor,
        event: event.event,
        member_id: event.memberId ?? null,
        client_id: event.clientId ?? null,
        ip: event.ip ?? null,
        details: event.details ? JSON.stringify(event.details) : null,
      });
    },
    async list(filter: { memberId?: string; events?: string[]; limit?: number } = {}): Promise<StoredAuditEvent[]> {
      const query = db('audit_events')
        .leftJoin('members', 'members.id', 'audit_events.member_id')
        .select('audit_events.*', 'members.login_id as member_login_id')
        .orderBy('audit_events.id', 'desc')
        .limit(filter.limit ?? 100);
      if (filter.memberId) query.where('audit_events.member_id', filter.memberId);
      if (filter.events) query.whereIn('audit_events.event', filter.events);
      return (await query).map((row: Record<string, unknown>) => ({
        id: Number(row.id),
        at: toDate(row.at)!,
        actor: row.actor as AuditEvent['actor'],
        event: String(row.event),
        memberId: (row.member_id as string | null) ?? null,
        memberLoginId: (row.member_login_id as string | null) ?? null,
        clientId: (row.client_id as string | null) ?? null,
        ip: (row.ip as string | null) ?? null,
        details: row.details ? (JSON.parse(String(row.details)) as Record<string, unknown>) : {},
      }));
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;

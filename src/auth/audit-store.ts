import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import type { Operator } from './operator-store.js';

/**
 * Who did it. The same shape as the operations layer's Actor, plus 'anonymous' for a failed sign-in
 * to an account that does not exist.
 */
export interface AuditActor {
  kind: 'operator' | 'api_key' | 'system' | 'anonymous';
  /** operators.id or api_keys.id; null for anonymous. */
  id: string | null;
  /** The operator's email, the key's name, "Outpost", or the email typed at a failed sign-in. */
  name: string;
}

export const SYSTEM_ACTOR: AuditActor = { kind: 'system', id: 'outpost', name: 'Outpost' };

/** Operators are named by email in the audit log: names are not unique, emails are. */
export function operatorActor(operator: Pick<Operator, 'id' | 'email'>): AuditActor {
  return { kind: 'operator', id: operator.id, name: operator.email };
}

export interface AuditEntry {
  at: number;
  actor: AuditActor;
  /** Dotted, entity first: 'auth.login', 'operator.create', 'incident.update'. */
  action: string;
  entityType?: string | null;
  entityId?: string | null;
  /** Plain data, stored as JSON. Never a password, a hash or a token. */
  before?: unknown;
  after?: unknown;
  ip?: string | null;
}

export interface AuditRecord {
  id: number;
  at: number;
  actor: AuditActor;
  action: string;
  entityType: string | null;
  entityId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

interface Row {
  id: number;
  at: number;
  actor_kind: AuditActor['kind'];
  actor_id: string | null;
  actor_name: string;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  before_json: string | null;
  after_json: string | null;
  ip: string | null;
}

/** A page of the log for the admin: newest first, optionally one entity type or one actor, after a cursor. */
export interface AuditQuery {
  entityType?: string;
  /** Exact actor name: an operator's email, a key's name, "Outpost". */
  actorName?: string;
  /** Entries strictly older than this one (the last of the previous page). */
  before?: { at: number; id: number };
  limit: number;
}

/** Append-only log of who did what; call record() inside the same transaction as the change it describes. */
export class AuditStore {
  private readonly insertStmt: Statement;
  private readonly listStmt: Statement;
  private readonly entityTypesStmt: Statement;
  /** One prepared statement per combination of filters (eight at most). */
  private readonly queries = new Map<string, Statement>();

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(`
      INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, entity_type, entity_id, before_json, after_json, ip)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.listStmt = db.prepare('SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT ? OFFSET ?');
    this.entityTypesStmt = db.prepare('SELECT DISTINCT entity_type FROM audit_log WHERE entity_type IS NOT NULL ORDER BY entity_type');
  }

  record(entry: AuditEntry): number {
    const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
    const { actor } = entry;
    return Number(
      this.insertStmt.run(
        entry.at,
        actor.kind,
        actor.id,
        actor.name,
        entry.action,
        entry.entityType ?? null,
        entry.entityId ?? null,
        json(entry.before),
        json(entry.after),
        entry.ip ?? null,
      ).lastInsertRowid,
    );
  }

  /** Newest first. */
  list(limit: number, offset = 0): AuditRecord[] {
    return (this.listStmt.all(limit, offset) as Row[]).map(toRecord);
  }

  /**
   * Newest first, filtered, from a cursor (keyset paging: a page costs the same however deep, and
   * entries written meanwhile do not shift what the next page shows).
   */
  query(q: AuditQuery): AuditRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.entityType) {
      where.push('entity_type = ?');
      params.push(q.entityType);
    }
    if (q.actorName) {
      where.push('actor_name = ?');
      params.push(q.actorName);
    }
    if (q.before) {
      where.push('(at < ? OR (at = ? AND id < ?))');
      params.push(q.before.at, q.before.at, q.before.id);
    }
    const sql = `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`;
    let stmt = this.queries.get(sql);
    if (!stmt) this.queries.set(sql, (stmt = this.db.prepare(sql)));
    return (stmt.all(...params, q.limit) as Row[]).map(toRecord);
  }

  /** The entity types the log holds, for the admin's filter. */
  entityTypes(): string[] {
    return (this.entityTypesStmt.all() as { entity_type: string }[]).map((r) => r.entity_type);
  }
}

function toRecord(r: Row): AuditRecord {
  return {
    id: r.id,
    at: r.at,
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    before: r.before_json === null ? null : JSON.parse(r.before_json),
    after: r.after_json === null ? null : JSON.parse(r.after_json),
    ip: r.ip,
  };
}

import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import { DEFAULT_POLICY, type AuthPolicy } from './policy.js';
import { randomToken, sha256 } from './tokens.js';

export interface Session {
  idHash: string;
  operatorId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

interface Row {
  id_hash: string;
  operator_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
}

/**
 * Server-side sessions. The raw id only ever exists in the cookie; the table holds its SHA-256.
 * Reading a session writes nothing (a request rejected for a bad CSRF token must leave no trace);
 * the caller refreshes last_seen_at with touch() once the request is accepted.
 */
export class SessionStore {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement;
  private readonly touchStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly pruneStmt: Statement;

  constructor(
    db: Db,
    private readonly policy: Pick<AuthPolicy, 'idleMs' | 'absoluteMs' | 'touchEveryMs'> = DEFAULT_POLICY,
  ) {
    this.insertStmt = db.prepare(
      'INSERT INTO operator_sessions (id_hash, operator_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.getStmt = db.prepare('SELECT * FROM operator_sessions WHERE id_hash = ?');
    this.touchStmt = db.prepare('UPDATE operator_sessions SET last_seen_at = ? WHERE id_hash = ?');
    this.deleteStmt = db.prepare('DELETE FROM operator_sessions WHERE id_hash = ?');
    this.pruneStmt = db.prepare('DELETE FROM operator_sessions WHERE last_seen_at <= ? OR created_at <= ?');
  }

  /** A new session; returns the raw id for the cookie, which is not stored anywhere. */
  create(operatorId: string, now: number): { rawId: string; session: Session } {
    const rawId = randomToken();
    const session: Session = { idHash: sha256(rawId), operatorId, csrfToken: randomToken(), createdAt: now, lastSeenAt: now };
    this.insertStmt.run(session.idHash, operatorId, session.csrfToken, now, now);
    return { rawId, session };
  }

  /** The live session for a cookie value, or undefined when unknown, idle too long or too old. */
  find(rawId: string | undefined, now: number): Session | undefined {
    const session = this.read(rawId);
    return session && this.isLive(session, now) ? session : undefined;
  }

  /**
   * The session a cookie value had once it is over (idle or too old) and before sign-in prunes it:
   * what a form posted after its session ended is checked against. Never a live one.
   */
  ended(rawId: string | undefined, now: number): Session | undefined {
    const session = this.read(rawId);
    return session && !this.isLive(session, now) ? session : undefined;
  }

  private read(rawId: string | undefined): Session | undefined {
    if (!rawId) return undefined;
    const row = this.getStmt.get(sha256(rawId)) as Row | undefined;
    if (!row) return undefined;
    return { idHash: row.id_hash, operatorId: row.operator_id, csrfToken: row.csrf_token, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
  }

  isLive(session: Session, now: number): boolean {
    return now - session.lastSeenAt < this.policy.idleMs && now - session.createdAt < this.policy.absoluteMs;
  }

  /** Refreshes the idle clock, at most once per touchEveryMs to keep reads from turning into writes. */
  touch(session: Session, now: number): void {
    if (now - session.lastSeenAt < this.policy.touchEveryMs) return;
    this.touchStmt.run(now, session.idHash);
  }

  delete(idHash: string): void {
    this.deleteStmt.run(idHash);
  }

  deleteRaw(rawId: string | undefined): void {
    if (rawId) this.deleteStmt.run(sha256(rawId));
  }

  /** Removes sessions that can no longer be used; called at sign-in, which is rare enough. */
  prune(now: number): number {
    return this.pruneStmt.run(now - this.policy.idleMs, now - this.policy.absoluteMs).changes;
  }
}

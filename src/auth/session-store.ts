import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import { DEFAULT_POLICY, type AuthPolicy } from './policy.js';
import { randomToken, secretsEqual, sha256 } from './tokens.js';

/**
 * How long a session is remembered once over, unusable: a form posted from one of its pages in that
 * time is recognised as the operator's own and kept for them (admin-auth's keepUnsent).
 */
export const ENDED_SESSION_MEMORY_MS = 3_600_000;

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

function toSession(row: Row): Session {
  return { idHash: row.id_hash, operatorId: row.operator_id, csrfToken: row.csrf_token, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
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
  private readonly endStmt: Statement;
  private readonly byOperatorStmt: Statement;

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
    this.endStmt = db.prepare('UPDATE operator_sessions SET last_seen_at = min(last_seen_at, ?) WHERE id_hash = ?');
    this.byOperatorStmt = db.prepare('SELECT * FROM operator_sessions WHERE operator_id = ?');
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
   * The session a cookie value had, once it is over (idle, too old, or replaced by a new sign-in)
   * and for at most ENDED_SESSION_MEMORY_MS since: what a form posted after its session ended is
   * checked against. Never a live one.
   */
  ended(rawId: string | undefined, now: number): Session | undefined {
    const session = this.read(rawId);
    return session && this.endedRecently(session, now) ? session : undefined;
  }

  /**
   * The operator's session that ended within ENDED_SESSION_MEMORY_MS and whose CSRF token is
   * `token`: a form from a page opened before signing in again, in a browser whose cookie is now
   * the new session's.
   */
  endedWithToken(operatorId: string, token: string | undefined, now: number): Session | undefined {
    if (!token) return undefined;
    const sessions = (this.byOperatorStmt.all(operatorId) as Row[]).map(toSession);
    return sessions.find((s) => this.endedRecently(s, now) && secretsEqual(token, s.csrfToken));
  }

  /** When a session is over: idle too long or too old, whichever comes first. */
  private endsAt(session: Session): number {
    return Math.min(session.lastSeenAt + this.policy.idleMs, session.createdAt + this.policy.absoluteMs);
  }

  private endedRecently(session: Session, now: number): boolean {
    return !this.isLive(session, now) && now - this.endsAt(session) <= ENDED_SESSION_MEMORY_MS;
  }

  private read(rawId: string | undefined): Session | undefined {
    if (!rawId) return undefined;
    const row = this.getStmt.get(sha256(rawId)) as Row | undefined;
    return row ? toSession(row) : undefined;
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

  /**
   * Ends the session a cookie value names, now (a new sign-in replaces it): it can no longer be
   * used, and is remembered as ended like any other (see `ended`).
   */
  endRaw(rawId: string | undefined, now: number): void {
    if (rawId) this.endStmt.run(now - this.policy.idleMs, sha256(rawId));
  }

  /** Removes sessions over for longer than they are remembered; called at sign-in, which is rare enough. */
  prune(now: number): number {
    const before = now - ENDED_SESSION_MEMORY_MS;
    return this.pruneStmt.run(before - this.policy.idleMs, before - this.policy.absoluteMs).changes;
  }
}

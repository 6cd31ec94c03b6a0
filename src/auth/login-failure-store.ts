import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';

/** Per account (attempts from browsers not trusted for it), per client address, per trusted browser (device-cookie.ts). */
export type FailureScope = 'account' | 'ip' | 'device';

/** Failed sign-ins, one row each, so the limits survive a restart (an in-memory counter would not). */
export class LoginFailureStore {
  private readonly insertStmt: Statement;
  private readonly recentStmt: Statement;
  private readonly clearStmt: Statement;
  private readonly pruneStmt: Statement;
  private readonly removeStmt: Statement;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO login_failures (scope, key, at) VALUES (?, ?, ?)');
    this.recentStmt = db.prepare('SELECT at FROM login_failures WHERE scope = ? AND key = ? AND at > ? ORDER BY at');
    this.clearStmt = db.prepare('DELETE FROM login_failures WHERE scope = ? AND key = ?');
    this.pruneStmt = db.prepare('DELETE FROM login_failures WHERE at <= ?');
    this.removeStmt = db.prepare('DELETE FROM login_failures WHERE rowid = ?');
  }

  /** Returns the row's id, so an attempt counted in advance can be taken back when it succeeds. */
  record(scope: FailureScope, key: string, at: number): number {
    return Number(this.insertStmt.run(scope, key, at).lastInsertRowid);
  }

  remove(id: number): void {
    this.removeStmt.run(id);
  }

  /** Times of failures after `since`, oldest first. */
  since(scope: FailureScope, key: string, since: number): number[] {
    return (this.recentStmt.all(scope, key, since) as { at: number }[]).map((r) => r.at);
  }

  clear(scope: FailureScope, key: string): void {
    this.clearStmt.run(scope, key);
  }

  /** Drops rows older than any window looks at, so the table stays the size of one window. */
  prune(before: number): void {
    this.pruneStmt.run(before);
  }
}

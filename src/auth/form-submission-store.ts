import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';

/** How long a form's token is remembered: a repeat later than this is a new submission. */
export const FORM_TOKEN_TTL_MS = 24 * 3_600_000;

export type Claim =
  /** First time: the caller carries the form out and then records where it led (or releases it). */
  | { kind: 'claimed' }
  /** Carried out already: send the operator where the first submission led. */
  | { kind: 'done'; location: string }
  /** The first submission is still being carried out. */
  | { kind: 'pending' };

/** One-time tokens of admin forms: see migrations/009_form_submissions.sql. */
export class FormSubmissionStore {
  private readonly findStmt: Statement;
  private readonly claimStmt: Statement;
  private readonly doneStmt: Statement;
  private readonly releaseStmt: Statement;
  private readonly pruneStmt: Statement;

  constructor(db: Db) {
    this.findStmt = db.prepare('SELECT location FROM form_submissions WHERE operator_id = ? AND token = ? AND at > ?');
    this.claimStmt = db.prepare(`
      INSERT INTO form_submissions (operator_id, token, location, at) VALUES (?, ?, NULL, ?)
      ON CONFLICT (operator_id, token) DO UPDATE SET location = NULL, at = excluded.at WHERE at <= ?`);
    this.doneStmt = db.prepare('UPDATE form_submissions SET location = ? WHERE operator_id = ? AND token = ?');
    this.releaseStmt = db.prepare('DELETE FROM form_submissions WHERE operator_id = ? AND token = ? AND location IS NULL');
    this.pruneStmt = db.prepare('DELETE FROM form_submissions WHERE at <= ?');
  }

  /** Claims the token for a first submission, or says what became of the earlier one. */
  claim(operatorId: string, token: string, now: number): Claim {
    const expired = now - FORM_TOKEN_TTL_MS;
    const row = this.findStmt.get(operatorId, token, expired) as { location: string | null } | undefined;
    if (row) return row.location === null ? { kind: 'pending' } : { kind: 'done', location: row.location };
    this.pruneStmt.run(expired);
    this.claimStmt.run(operatorId, token, now, expired);
    return { kind: 'claimed' };
  }

  done(operatorId: string, token: string, location: string): void {
    this.doneStmt.run(location, operatorId, token);
  }

  /** The submission did not go through (refused, invalid): the same form may be sent again. */
  release(operatorId: string, token: string): void {
    this.releaseStmt.run(operatorId, token);
  }
}

import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';

/** How long a form's token is remembered: a repeat later than this is a new submission. */
export const FORM_TOKEN_TTL_MS = 24 * 3_600_000;
/** A claim still without a result after this long belongs to a process that died mid-write. */
const PENDING_STALE_MS = 60_000;

export type Claim =
  /** First time: the caller carries the form out and then records where it led (or releases it). */
  | { kind: 'claimed' }
  /** Carried out already: send the operator where the first submission led. */
  | { kind: 'done'; location: string }
  /** The first submission is still being carried out. */
  | { kind: 'pending' }
  /** The token was claimed for something else (another fingerprint): this is not a repeat of it. */
  | { kind: 'mismatch' };

/**
 * One-time tokens of admin forms, and Idempotency-Key values of API writes (owner `api:<key id>`):
 * see migrations/009_form_submissions.sql.
 */
export class FormSubmissionStore {
  private readonly findStmt: Statement;
  private readonly claimStmt: Statement;
  private readonly doneStmt: Statement;
  private readonly releaseStmt: Statement;
  private readonly pruneStmt: Statement;

  constructor(db: Db) {
    this.findStmt = db.prepare(`
      SELECT location, fingerprint FROM form_submissions
      WHERE operator_id = @owner AND token = @token AND at > @expired AND (location IS NOT NULL OR at > @stale)`);
    this.claimStmt = db.prepare(`
      INSERT INTO form_submissions (operator_id, token, location, at, fingerprint) VALUES (@owner, @token, NULL, @now, @fingerprint)
      ON CONFLICT (operator_id, token) DO UPDATE SET location = NULL, at = excluded.at, fingerprint = excluded.fingerprint
      WHERE at <= @expired OR (location IS NULL AND at <= @stale)`);
    this.doneStmt = db.prepare('UPDATE form_submissions SET location = ? WHERE operator_id = ? AND token = ?');
    this.releaseStmt = db.prepare('DELETE FROM form_submissions WHERE operator_id = ? AND token = ? AND location IS NULL');
    this.pruneStmt = db.prepare('DELETE FROM form_submissions WHERE at <= ?');
  }

  /**
   * Claims the token for a first submission, or says what became of the earlier one. `fingerprint`
   * says what the submission is (an API request's body): a token claimed with another one is a
   * mismatch, not a repeat.
   */
  claim(operatorId: string, token: string, now: number, fingerprint: string | null = null): Claim {
    const params = { owner: operatorId, token, now, expired: now - FORM_TOKEN_TTL_MS, stale: now - PENDING_STALE_MS, fingerprint };
    const row = this.findStmt.get(params) as { location: string | null; fingerprint: string | null } | undefined;
    // A claim kept without a fingerprint (an admin form's, or an API request's from before they were
    // kept) matches anything: only two different fingerprints make a mismatch.
    if (row && row.fingerprint !== null && row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row) return row.location === null ? { kind: 'pending' } : { kind: 'done', location: row.location };
    this.pruneStmt.run(params.expired);
    this.claimStmt.run(params);
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

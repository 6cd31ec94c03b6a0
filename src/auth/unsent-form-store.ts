import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import { CSRF_FIELD } from './guards.js';
import { randomToken } from './tokens.js';

/** How long a form refused for an ended session is kept for its operator to send again. */
export const UNSENT_FORM_TTL_MS = 3_600_000;
/** At most this many per operator: the oldest go first. */
const MAX_PER_OPERATOR = 20;

/** A form body as posted: each field with its value, in order; a repeated field appears once per value. */
export type FormFields = [name: string, value: string][];

/** The hidden field naming the unsent form a submission sends again (removed once carried out). */
export const UNSENT_FIELD = '_unsent';

/** A parsed form body as fields to keep: without its CSRF token (the session it belonged to is over). */
export function formFields(body: unknown): FormFields | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const fields: FormFields = [];
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    // A password never waits in a table (no kept form asks for one; this is for any that ever would).
    if (name === CSRF_FIELD || name === UNSENT_FIELD || /password/i.test(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) if (typeof one === 'string') fields.push([name, one]);
  }
  return fields;
}

export interface UnsentForm {
  id: string;
  operatorId: string;
  action: string;
  fields: FormFields;
  at: number;
}

interface Row {
  id: string;
  operator_id: string;
  action: string;
  fields: string;
  at: number;
}

/** Forms posted after their session ended, kept for their operator: see migrations/012_unsent_forms.sql. */
export class UnsentFormStore {
  private readonly insertStmt: Statement;
  private readonly listStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly trimStmt: Statement;
  private readonly pruneStmt: Statement;
  private readonly sameStmt: Statement;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare('INSERT INTO unsent_forms (id, operator_id, action, fields, at) VALUES (?, ?, ?, ?, ?)');
    this.listStmt = db.prepare('SELECT * FROM unsent_forms WHERE operator_id = ? AND at > ? ORDER BY at DESC, id');
    this.deleteStmt = db.prepare('DELETE FROM unsent_forms WHERE id = ? AND operator_id = ?');
    this.trimStmt = db.prepare(`
      DELETE FROM unsent_forms WHERE operator_id = @operatorId AND id NOT IN (
        SELECT id FROM unsent_forms WHERE operator_id = @operatorId ORDER BY at DESC, id LIMIT @keep)`);
    this.pruneStmt = db.prepare('DELETE FROM unsent_forms WHERE at <= ?');
    this.sameStmt = db.prepare('DELETE FROM unsent_forms WHERE operator_id = ? AND action = ? AND fields = ?');
  }

  /** Keeps a refused form for its operator (once: the same form sent twice is kept once); returns its id. */
  keep(operatorId: string, action: string, fields: FormFields, now: number): string {
    const id = randomToken().slice(0, 22);
    const json = JSON.stringify(fields);
    this.db.transaction(() => {
      this.prune(now);
      this.sameStmt.run(operatorId, action, json);
      this.insertStmt.run(id, operatorId, action, json, now);
      this.trimStmt.run({ operatorId, keep: MAX_PER_OPERATOR });
    })();
    return id;
  }

  /** The operator's unsent forms still kept, newest first. */
  list(operatorId: string, now: number): UnsentForm[] {
    return (this.listStmt.all(operatorId, now - UNSENT_FORM_TTL_MS) as Row[]).map(toForm);
  }

  /** Removes the forms past their hour: at every keep, and at sign-in (login.ts), so none lingers. */
  prune(now: number): void {
    this.pruneStmt.run(now - UNSENT_FORM_TTL_MS);
  }

  /** Sent again or discarded: gone. Only its own operator's request removes it. */
  delete(id: string, operatorId: string): boolean {
    return this.deleteStmt.run(id, operatorId).changes > 0;
  }
}

function toForm(row: Row): UnsentForm {
  return { id: row.id, operatorId: row.operator_id, action: row.action, fields: JSON.parse(row.fields) as FormFields, at: row.at };
}

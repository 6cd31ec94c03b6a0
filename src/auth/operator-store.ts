import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import { newId } from '../util/ids.js';

export const ROLES = ['admin', 'editor'] as const;
export type Role = (typeof ROLES)[number];

export interface Operator {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

/** What the sign-in check needs; the hash never leaves the auth code in an Operator. */
export interface OperatorCredentials extends Operator {
  passwordHash: string;
}

export class DuplicateEmailError extends Error {
  constructor(email: string) {
    super(`an operator with the email ${email} already exists`);
    this.name = 'DuplicateEmailError';
  }
}

/** Emails compare case-insensitively; surrounding spaces are a typo, never part of the address. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

interface Row {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
  disabled: number;
}

const toOperator = (r: Row): Operator => ({ id: r.id, email: r.email, name: r.name, role: r.role, createdAt: r.created_at, disabled: r.disabled === 1 });

export class OperatorStore {
  private readonly insertStmt: Statement;
  private readonly byEmailStmt: Statement;
  private readonly byIdStmt: Statement;
  private readonly listStmt: Statement;
  private readonly countStmt: Statement;
  private readonly setDisabledStmt: Statement;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      'INSERT INTO operators (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.byEmailStmt = db.prepare('SELECT * FROM operators WHERE email = ?');
    this.byIdStmt = db.prepare('SELECT * FROM operators WHERE id = ?');
    this.listStmt = db.prepare('SELECT * FROM operators ORDER BY created_at, email');
    this.countStmt = db.prepare('SELECT count(*) AS n FROM operators');
    this.setDisabledStmt = db.prepare('UPDATE operators SET disabled = ? WHERE id = ?');
  }

  /** Takes a finished hash: hashing is async and must happen before any transaction opens. */
  create(input: { email: string; name: string; role: Role; passwordHash: string }, now: number): Operator {
    const email = normalizeEmail(input.email);
    const id = newId();
    try {
      this.insertStmt.run(id, email, input.name, input.role, input.passwordHash, now);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateEmailError(email);
      throw err;
    }
    return { id, email, name: input.name, role: input.role, createdAt: now, disabled: false };
  }

  credentials(email: string): OperatorCredentials | undefined {
    const row = this.byEmailStmt.get(normalizeEmail(email)) as Row | undefined;
    return row ? { ...toOperator(row), passwordHash: row.password_hash } : undefined;
  }

  byEmail(email: string): Operator | undefined {
    const row = this.byEmailStmt.get(normalizeEmail(email)) as Row | undefined;
    return row ? toOperator(row) : undefined;
  }

  byId(id: string): Operator | undefined {
    const row = this.byIdStmt.get(id) as Row | undefined;
    return row ? toOperator(row) : undefined;
  }

  list(): Operator[] {
    return (this.listStmt.all() as Row[]).map(toOperator);
  }

  count(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  /** Disabled operators cannot sign in, and their sessions stop working at their next request. */
  setDisabled(id: string, disabled: boolean): void {
    if (this.setDisabledStmt.run(disabled ? 1 : 0, id).changes === 0) throw new Error(`unknown operator ${id}`);
  }
}

import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';

/** Small key-value facts about this installation (demo seeded, last data change). */
export class MetaStore {
  private readonly getStmt: Statement;
  private readonly setStmt: Statement;

  constructor(db: Db) {
    this.getStmt = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.setStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(key: string): string | undefined {
    return (this.getStmt.get(key) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }
}

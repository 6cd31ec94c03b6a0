import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { openDatabase, type Db } from '../../src/db/open.js';

let dir: string;
let db: Db;
const open = () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-db-'));
  db = openDatabase(join(dir, 'x.db'));
  return db;
};
afterEach(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrate', () => {
  it('applies every migration once, records it, and is a no-op the second time', () => {
    open();
    const all = loadMigrations();
    expect(migrate(db)).toEqual(all.map((m) => m.version));
    expect(migrate(db)).toEqual([]);
    expect(db.pragma('user_version', { simple: true })).toBe(all.at(-1)!.version);
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(all.map((m) => ({ version: m.version, name: m.name })));
  });

  it('11 carries each component\'s one hold into the holds table, an incident\'s under its holder', () => {
    open();
    const all = loadMigrations();
    migrate(db, all.filter((m) => m.version < 11));
    const insert = db.prepare(
      `INSERT INTO components (id, name, is_group, position, status, status_since, hidden, created_at, updated_at, manual_status, manual_reason, manual_set_at)
       VALUES (?, ?, 0, 1, ?, 0, 0, 0, 0, ?, ?, ?)`,
    );
    insert.run('db', 'DB', 'major_outage', 'major_outage', 'incident abc123', 5);
    insert.run('dns', 'DNS', 'degraded_performance', 'degraded_performance', 'operator Alice: slow', 6);
    insert.run('web', 'Web', 'operational', null, null, null);
    expect(migrate(db)).toEqual([11, ...all.filter((m) => m.version > 11).map((m) => m.version)]);
    expect(db.prepare('SELECT component_id, holder, status, reason, set_at FROM component_holds ORDER BY component_id').all()).toEqual([
      { component_id: 'db', holder: 'incident abc123', status: 'major_outage', reason: 'incident abc123', set_at: 5 },
      { component_id: 'dns', holder: 'operator', status: 'degraded_performance', reason: 'operator Alice: slow', set_at: 6 },
    ]);
  });

  it('14 keeps the failed sign-ins counted so far, and then takes per-device ones', () => {
    open();
    const all = loadMigrations();
    migrate(db, all.filter((m) => m.version < 14));
    db.prepare("INSERT INTO login_failures (scope, key, at) VALUES ('account', 'ada@acme.example', 5), ('ip', '203.0.113.7', 6)").run();
    expect(() => db.prepare("INSERT INTO login_failures (scope, key, at) VALUES ('device', 'x', 7)").run()).toThrow(/CHECK/);
    migrate(db);
    expect(db.prepare('SELECT rowid AS id, scope, key, at FROM login_failures ORDER BY rowid').all()).toEqual([
      { id: 1, scope: 'account', key: 'ada@acme.example', at: 5 },
      { id: 2, scope: 'ip', key: '203.0.113.7', at: 6 },
    ]);
    db.prepare("INSERT INTO login_failures (scope, key, at) VALUES ('device', 'x', 7)").run();
    expect(() => db.prepare("INSERT INTO login_failures (scope, key, at) VALUES ('other', 'x', 7)").run()).toThrow(/CHECK/);
  });

  it('opens in WAL mode with foreign keys on', () => {
    open();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('rolls back a failing migration whole and leaves the version alone', () => {
    open();
    const migrations = [
      { version: 1, name: 'ok', sql: 'CREATE TABLE a (x INTEGER) STRICT;' },
      { version: 2, name: 'broken', sql: 'CREATE TABLE b (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);' },
    ];
    expect(() => migrate(db, migrations)).toThrow(/no such table: nowhere/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
  });

  it('refuses a database written by a newer Outpost', () => {
    open();
    migrate(db);
    db.pragma('user_version = 999');
    expect(() => migrate(db)).toThrow(/schema is version 999, newer than this Outpost/);
  });
});

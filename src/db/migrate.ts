import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './open.js';
import { projectRoot } from '../util/paths.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE_PATTERN = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export function loadMigrations(dir = join(projectRoot, 'migrations')): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => {
      const match = FILE_PATTERN.exec(file);
      if (!match) return undefined;
      return { version: Number(match[1]), name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') };
    })
    .filter((m): m is Migration => m !== undefined)
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations: expected version ${i + 1}, found ${m.version}_${m.name}.sql`);
  });
  return migrations;
}

/**
 * Applies each migration newer than PRAGMA user_version, each in its own transaction, and records
 * it in schema_migrations. Refuses a database written by a newer Outpost: running old code on a
 * newer schema is how data gets silently corrupted.
 */
export function migrate(db: Db, migrations: Migration[] = loadMigrations(), now = Date.now()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`database schema is version ${current}, newer than this Outpost (${latest}); upgrade Outpost`);
  }
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, now);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}

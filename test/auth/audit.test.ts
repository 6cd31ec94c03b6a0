import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditStore, SYSTEM_ACTOR } from '../../src/auth/audit-store.js';
import { migrate } from '../../src/db/migrate.js';
import { openDatabase, type Db } from '../../src/db/open.js';

let dir: string;
let db: Db;
let audit: AuditStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-audit-'));
  db = openDatabase(join(dir, 'outpost.db'));
  migrate(db);
  audit = new AuditStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AuditStore', () => {
  it('keeps before and after as JSON and lists newest first, paged', () => {
    const T = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 5; i++) {
      audit.record({
        at: T + i,
        actor: { kind: 'api_key', id: 'key1', name: 'deploy bot' },
        action: 'incident.update',
        entityType: 'incident',
        entityId: `inc${i}`,
        before: { status: 'investigating' },
        after: { status: 'identified', n: i },
      });
    }
    audit.record({ at: T + 10, actor: SYSTEM_ACTOR, action: 'maintenance.start' });
    const first = audit.list(2);
    expect(first.map((e) => e.action)).toEqual(['maintenance.start', 'incident.update']);
    expect(first[0]).toMatchObject({ actor: SYSTEM_ACTOR, entityType: null, entityId: null, before: null, after: null, ip: null });
    expect(first[1]).toMatchObject({ actor: { kind: 'api_key', id: 'key1', name: 'deploy bot' }, entityId: 'inc4', before: { status: 'investigating' }, after: { status: 'identified', n: 4 } });
    expect(audit.list(2, 2).map((e) => e.entityId)).toEqual(['inc3', 'inc2']);
    expect(audit.list(10, 6)).toEqual([]);
  });

  it('refuses an unknown actor kind (the schema checks it)', () => {
    expect(() => audit.record({ at: 1, actor: { kind: 'root' as 'system', id: null, name: 'x' }, action: 'x' })).toThrow(/CHECK constraint/);
  });
});

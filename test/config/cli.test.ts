import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { projectRoot } from '../../src/util/paths.js';
import { ACME_YAML } from '../helpers/app.js';

const tsx = join(projectRoot, 'node_modules', '.bin', 'tsx');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('outpost check-config', () => {
  it('exits 0 for a valid file', () => {
    const file = join(dir, 'outpost.yaml');
    writeFileSync(file, ACME_YAML);
    const run = spawnSync(tsx, ['src/cli/main.ts', 'check-config', file], { cwd: projectRoot, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('valid (page "acme", 4 components)');
  });

  it('exits 1 naming file, line and field', () => {
    const file = join(dir, 'outpost.yaml');
    writeFileSync(file, ACME_YAML.replace('depends_on: [database, dns]', 'depends_on: [databse, dns]'));
    const run = spawnSync(tsx, ['src/cli/main.ts', 'check-config', file], { cwd: projectRoot, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}:9: components[1].depends_on[0]: unknown component "databse"`);
  });

  it('exits 1 for a missing file', () => {
    const run = spawnSync(tsx, ['src/cli/main.ts', 'check-config', join(dir, 'nope.yaml')], { cwd: projectRoot, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cannot read the file \(ENOENT\)/);
  });
});

describe('server start with a bad config', () => {
  it('exits non-zero before touching the database', () => {
    const file = join(dir, 'outpost.yaml');
    const db = join(dir, 'data', 'outpost.db');
    writeFileSync(file, ACME_YAML.replace('time_zone: Europe/Zurich', 'time_zone: Europe/Atlantis'));
    const run = spawnSync(tsx, ['src/server.ts'], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, OUTPOST_CONFIG: file, OUTPOST_DB: db, PORT: '0', HOST: '127.0.0.1' },
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file}:6: page.time_zone: expected an IANA time zone`);
    expect(existsSync(db)).toBe(false);
  });
});

describe('outpost api-key and heartbeat-token', () => {
  it('creates a key shown once, lists it without the key, and revokes it', () => {
    const file = join(dir, 'outpost.yaml');
    writeFileSync(file, ACME_YAML);
    const env = { ...process.env, OUTPOST_CONFIG: file, OUTPOST_DB: join(dir, 'o.db') };
    const run = (...args: string[]) => spawnSync(tsx, ['src/cli/main.ts', 'api-key', ...args], { cwd: projectRoot, encoding: 'utf8', env });
    const created = run('create', 'deploy bot');
    expect(created.status).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^op_[\w-]{32}$/);
    const listed = run('list');
    expect(listed.stdout).toMatch(/editor  active   deploy bot/);
    expect(listed.stdout).not.toContain(key);
    const id = listed.stdout.split(/\s+/)[0]!;
    expect(run('revoke', id).status).toBe(0);
    expect(run('list').stdout).toMatch(/editor  revoked  deploy bot/);
    expect(run('revoke', id).status).toBe(1);
    // Audited as the admin's page does it, and never with the key.
    const db = openDatabase(join(dir, 'o.db'));
    try {
      const audit = db.prepare('SELECT actor_kind, actor_name, action, entity_id, after_json FROM audit_log ORDER BY id').all() as { after_json: string }[];
      expect(audit).toMatchObject([
        { actor_kind: 'system', actor_name: 'command line', action: 'api_key.create', entity_id: id },
        { actor_kind: 'system', actor_name: 'command line', action: 'api_key.revoke', entity_id: id },
      ]);
      expect(JSON.stringify(audit)).not.toContain(key);
    } finally {
      db.close();
    }
  });

  it('prints a heartbeat URL with a fresh token, and refuses a probe that is not a heartbeat', () => {
    const file = join(dir, 'outpost.yaml');
    writeFileSync(file, `${ACME_YAML}probes:\n  - { id: nightly, component: database, type: heartbeat, every: 24h }\n`);
    const env = { ...process.env, OUTPOST_CONFIG: file, OUTPOST_DB: join(dir, 'o.db') };
    const run = (id: string) => spawnSync(tsx, ['src/cli/main.ts', 'heartbeat-token', id], { cwd: projectRoot, encoding: 'utf8', env });
    const first = run('nightly');
    expect(first.status).toBe(0);
    expect(first.stdout.trim()).toMatch(/^https:\/\/status\.acme\.example\/api\/v1\/heartbeats\/[\w-]{27}$/);
    expect(run('nightly').stdout).not.toBe(first.stdout);
    const wrong = run('website');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('expected one of: nightly');
  });
});

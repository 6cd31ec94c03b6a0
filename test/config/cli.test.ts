import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

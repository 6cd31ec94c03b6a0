import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/util/paths.js';

const tsx = join(projectRoot, 'node_modules', '.bin', 'tsx');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('server.ts', () => {
  it('with no configuration serves the seeded demo, then shuts down cleanly on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-server-'));
    const db = join(dir, 'data', 'outpost.db');
    // cwd is the temp folder: no outpost.yaml there, so the bundled demo runs.
    const child = spawn(tsx, [join(projectRoot, 'src', 'server.ts')], {
      cwd: dir,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', OUTPOST_DB: db, OUTPOST_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /served on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });
    expect(output).toContain('seeded the bundled demo data');

    const page = await fetch(`${address}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Demo data.');
    const summary = (await (await fetch(`${address}/api/v2/summary.json`)).json()) as { page: { id: string }; incidents: unknown[] };
    expect(summary.page.id).toBe('outpost-demo');
    expect(summary.incidents).toHaveLength(1);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    // Every public read through a real client, which asks for br and gzip and decodes what the
    // label says: a body labelled with an encoding it is not in fails here.
    for (const path of ['/history', '/history.rss', '/history.atom']) expect((await fetch(address + path)).status, path).toBe(200);
    for (const api of ['summary', 'status', 'components', 'incidents', 'incidents/unresolved', 'scheduled-maintenances', 'scheduled-maintenances/upcoming', 'scheduled-maintenances/active']) {
      const res = await fetch(`${address}/api/v2/${api}.json`);
      expect(res.status, api).toBe(200);
      expect(((await res.json()) as { page: { id: string } }).page.id, api).toBe('outpost-demo');
    }
    // The probe view names targets: it is behind the sign-in, with no port of its own any more.
    const probes = await fetch(`${address}/admin/probes`, { redirect: 'manual' });
    expect(probes.status).toBe(303);
    expect(probes.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fprobes');
    expect(output).not.toContain('operator view');

    // A request in flight at the signal (its body still coming) is answered, and its keep-alive
    // connection does not hold the shutdown until the forced exit (status 1 after 10 s).
    const { port } = new URL(address);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write('POST /api/v1/heartbeats/not-a-token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"status"');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const signalled = Date.now();
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write(':"ok"}');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
    socket.destroy();
    expect(output).toContain('shutting down');
    // Closing the database folds the WAL back into the file.
    expect(existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0).toBe(0);
  });
});

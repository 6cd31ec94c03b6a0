import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/paths.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const tsx = join(projectRoot, 'node_modules', '.bin', 'tsx');
const SECRET = 'crash-test-secret-0123456789';
let dir: string;
let receiver: Receiver | undefined;
const children: ChildProcess[] = [];
/**
 * `tsx` runs the server as its own child: a signal to the tsx process alone would leave the server
 * running (the "killed" server would go on delivering, and outlive the test). Each server is
 * started in a process group of its own, and SIGKILL goes to the whole group.
 */
const killGroup = (child: ChildProcess) => process.kill(-child.pid!, 'SIGKILL');
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) killGroup(child);
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls until `check` holds, for at most `ms` (real time: a real server in another process). */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function start(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; address: string; output: () => string }> {
  const child = spawn(tsx, [join(projectRoot, 'src', 'server.ts')], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /served on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, address: match[1]!, output: () => output });
      }
    });
    child.on('exit', (code, signal) => reject(new Error(`server exited with ${code ?? signal}:\n${output}`)));
  });
}

/** Live child processes of `pid` (Linux /proc): the node process tsx runs the server in. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Running, as opposed to gone or a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', () => resolve())));

describe('announcements survive kill -9', () => {
  it('a delivery cut off by SIGKILL is sent again after the restart, with the same delivery id', async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-crash-'));
    // The receiver takes the first request and never answers: the server is killed mid-delivery.
    receiver = await startReceiver(['hang', { status: 204 }]);
    const config = join(dir, 'outpost.yaml');
    const dbFile = join(dir, 'data', 'outpost.db');
    writeFileSync(
      config,
      `page: { id: acme, name: Acme Status, url: "https://status.acme.example" }
components:
  - { id: api, name: API }
announce:
  - { id: ops, type: webhook, url: "${receiver.url}/hook", secret: "\${HOOK_SECRET}", timeout: 60s, rate_per_minute: 600 }
`,
    );
    const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', OUTPOST_CONFIG: config, OUTPOST_DB: dbFile, HOOK_SECRET: SECRET, LOG_LEVEL: 'info' };
    // The API key the way an operator makes one.
    const key = execFileSync(tsx, [join(projectRoot, 'src', 'cli', 'main.ts'), 'api-key', 'create', 'crash test'], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

    const first = await start(env);
    const res = await fetch(`${first.address}/api/v1/pages/acme/incidents`, {
      method: 'POST',
      headers: { authorization: `OAuth ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ incident: { name: 'Checkout failing', status: 'investigating', body: 'Payments time out.' } }),
    });
    expect(res.status).toBe(201);
    const incidentId = ((await res.json()) as { id: string }).id;
    await until(() => receiver!.received.length === 1, 15_000, 'the first delivery attempt');
    const serverPids = childrenOf(first.child.pid!);
    expect(serverPids.length).toBeGreaterThan(0);
    killGroup(first.child);
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');
    // The server itself is gone, not only the tsx process in front of it.
    await until(() => serverPids.every((pid) => !alive(pid)), 5_000, 'the server process to die');

    // What the dead process left: the row claimed, mid-delivery.
    const db = new Database(dbFile, { readonly: true });
    const row = () => db.prepare('SELECT state, attempts, event_id FROM outbox WHERE channel_id = ?').get('ops') as { state: string; attempts: number; event_id: string };
    expect(row()).toMatchObject({ state: 'sending', attempts: 1 });

    const second = await start(env);
    await until(() => receiver!.received.length === 2, 15_000, 'the delivery after the restart');
    await until(() => row().state === 'sent', 5_000, 'the row to be marked sent');
    expect(row()).toMatchObject({ state: 'sent', attempts: 2 });
    db.close();

    const [cut, again] = receiver.received;
    expect(again!.headers['x-outpost-delivery']).toBe(cut!.headers['x-outpost-delivery']);
    const body = JSON.parse(again!.body);
    expect(again!.headers['x-outpost-delivery']).toBe(`ops:${body.outpost.event_id}`);
    expect(body.incident).toMatchObject({ id: incidentId, name: 'Checkout failing', status: 'investigating' });
    const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(again!.headers['x-outpost-signature'] as string)!;
    expect(mac).toBe(createHmac('sha256', SECRET).update(`${ts}.${again!.body}`).digest('hex'));
    expect(second.output()).toContain('cut off by a restart');
    expect(first.output() + second.output()).not.toContain(SECRET);

    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);
  });
});

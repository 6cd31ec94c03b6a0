import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * A tiny request/reply protocol over the fork IPC channel. The servers under test run in child
 * processes so that autocannon (in the parent) takes none of their CPU and none of their memory;
 * the parent asks them for their own numbers (rss, publisher stats) through this channel.
 */

type Handler = (args: unknown) => unknown;
type ToChild = { kind: 'call'; id: number; method: string; args: unknown };
type ToParent =
  | { kind: 'ready'; info: unknown }
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string };

/** No child outlives a forgotten run: it exits after this long whatever happens. */
const CHILD_MAX_LIFETIME_MS = 10 * 60_000;

// ---- child side ----

/**
 * Answers the parent's calls and exits when the parent goes away (crash, Ctrl-C): `cleanup` closes
 * the server and removes temporary files first.
 */
export function serveParent(info: unknown, handlers: Record<string, Handler>, cleanup: () => Promise<void>): void {
  if (!process.send) throw new Error('run this file through bench/run.ts: it expects an IPC channel');
  const send = (msg: ToParent) => process.send?.(msg);
  let exiting = false;
  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    await cleanup().catch(() => undefined);
    process.exit(code);
  };
  process.on('message', async (raw) => {
    const msg = raw as ToChild;
    if (msg?.kind !== 'call') return;
    const handler = handlers[msg.method];
    try {
      if (!handler) throw new Error(`unknown method ${msg.method}`);
      send({ kind: 'reply', id: msg.id, ok: true, result: await handler(msg.args) });
    } catch (err) {
      send({ kind: 'reply', id: msg.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  });
  process.on('disconnect', () => void exit(0));
  // Ctrl-C in a terminal signals the whole process group: clean up rather than die mid-write.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void exit(130));
  setTimeout(() => void exit(1), CHILD_MAX_LIFETIME_MS).unref();
  send({ kind: 'ready', info });
}

// ---- parent side ----

export interface Child<Ready> {
  name: string;
  ready: Promise<Ready>;
  call<T>(method: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks for a clean shutdown, then kills it if it has not exited within a few seconds. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Last resort: whatever way the parent exits, no server is left behind. */
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Asks every child to clean up (close, remove its temporary folder) and waits for them, at most 5 s. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => stopProcess(proc)));
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  if (proc.connected) proc.disconnect(); // the child cleans up and exits on disconnect
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Forks a bench script with its stdout/stderr passed through. `npm run bench` runs the compiled
 * JavaScript (dist/bench), as production runs dist/src: no TypeScript loader in the measured
 * processes. Run from source (npx tsx bench/run.ts), the children run under tsx too.
 */
export function startChild<Ready>(
  script: string,
  readyTimeoutMs: number,
  runtime: { flags: string[]; env?: Record<string, string> } = { flags: [] },
): Child<Ready> {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(fromSource ? script : script.replace(/\.ts$/, '.js'), import.meta.url));
  const proc = fork(file, [], {
    execArgv: [...runtime.flags, ...(fromSource ? ['--import', 'tsx'] : [])],
    env: { ...process.env, ...runtime.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  running.add(proc);
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const failAll = (err: Error) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    pending.clear();
  };

  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script}: not ready after ${readyTimeoutMs} ms`)), readyTimeoutMs);
    proc.on('message', (raw) => {
      const msg = raw as ToParent;
      if (msg.kind === 'ready') {
        clearTimeout(timer);
        resolve(msg.info as Ready);
      } else if (msg.kind === 'reply') {
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(`${script}: ${msg.error}`));
      }
    });
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      clearTimeout(timer);
      const err = new Error(`${script} exited (code ${code}, signal ${signal})`);
      reject(err);
      failAll(err);
    });
    proc.on('error', reject);
  });
  ready.catch(() => undefined); // observed by the caller; avoid an unhandled rejection before that

  return {
    name: script,
    ready,
    call<T>(method: string, args?: unknown, timeoutMs = 30_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (!proc.connected) return reject(new Error(`${script}: not running`));
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: ${method} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        proc.send({ kind: 'call', id, method, args } satisfies ToChild);
      });
    },
    stop: () => stopProcess(proc),
  };
}

const TASKSET = '/usr/bin/taskset';

/**
 * Pins the load generator (this process) to CPU 0, when the machine has at least two and util-linux's
 * taskset is there: autocannon then keeps one core to itself, as a generator on another host would,
 * instead of the scheduler moving it across the servers' cores. The servers stay free to use every
 * CPU: V8's garbage collector and the compression threads run beside their main thread, and
 * squeezing them onto one core would measure a machine nobody deploys. Returns the generator's CPU,
 * or undefined when nothing was pinned. Call it after forking the servers: a child inherits its
 * parent's CPU affinity.
 */
export function pinLoadGenerator(): string | undefined {
  if (availableParallelism() < 2 || !existsSync(TASKSET)) return undefined;
  const pin = spawnSync(TASKSET, ['-a', '-p', '-c', '0', String(process.pid)], { encoding: 'utf8' });
  return pin.status === 0 ? '0' : undefined;
}

/**
 * Runs a benchmark's main and exits with its code; on Ctrl-C or SIGTERM the children get to remove
 * their temporary folders first (the exit hook kills any that hang).
 */
export function runEntry(main: () => Promise<number>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}

/**
 * How the shipped image starts Outpost (the Dockerfile's CMD and ENV), so that the server measured
 * is the one that ships: its Node flags, and the glibc malloc settings from its ENV lines.
 * `npm start` carries the same flags (test/deploy.test.ts checks).
 */
export function productionRuntime(): { flags: string[]; env: Record<string, string> } {
  const dockerfile = readFileSync(fileURLToPath(new URL(`${import.meta.url.includes('/dist/') ? '../../' : '../'}Dockerfile`, import.meta.url)), 'utf8');
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
  if (!cmd) throw new Error('Dockerfile: no CMD ["node", ...] line');
  const flags = (JSON.parse(cmd[1]!) as string[]).filter((arg) => arg.startsWith('--'));
  const env: Record<string, string> = {};
  for (const line of dockerfile.matchAll(/^ENV (.+)$/gm)) {
    for (const [, key, value] of line[1]!.matchAll(/(\w+)=(\S+)/g)) if (key!.startsWith('MALLOC_')) env[key!] = value!;
  }
  return { flags, env };
}

import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Role } from '../../src/auth/operator-store.js';
import { hashPassword } from '../../src/auth/password.js';
import { createAuthStores, type AuthStores } from '../../src/auth/stores.js';
import { migrate } from '../../src/db/migrate.js';
import { openDatabase, type Db } from '../../src/db/open.js';
import { createStore } from '../../src/store/index.js';
import { projectRoot } from '../../src/util/paths.js';
import { adminAuth } from '../../src/web/admin-auth.js';
import { adminDashboard } from '../../src/web/admin-dashboard.js';
import { installErrorHandler } from '../../src/web/errors.js';
import { TestClock } from '../helpers/app.js';

export const ADMIN = { email: 'ada@acme.example', password: 'correct horse battery staple', name: 'Ada' };
export const EDITOR = { email: 'eddie@acme.example', password: 'editor password 1234', name: 'Eddie' };

export interface AdminTestApp {
  app: FastifyInstance;
  db: Db;
  clock: TestClock;
  dir: string;
  stores: AuthStores;
  /** Every line the app logged (pino JSON, trace level and up: more than production logs). */
  logs: string[];
  /** Closes the app and the database, keeps the folder: build again on the same file with `makeAdminApp({ dir })`. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Fastify app with the admin plugin on top of the real store, on a real SQLite file in a temporary
 * folder, with an injected clock and the log captured through pino's `stream` destination. It is
 * put together as app.ts does (static files, the app's error handler, a public route beside the
 * admin) without buildApp, so it keeps working once app.ts registers the admin itself.
 */
export async function makeAdminApp(
  opts: { dir?: string; clock?: TestClock; secure?: boolean; routes?: FastifyPluginAsync[] } = {},
): Promise<AdminTestApp> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'outpost-auth-'));
  const db = openDatabase(join(dir, 'outpost.db'));
  migrate(db);
  const clock = opts.clock ?? new TestClock(Date.UTC(2026, 10, 22, 12, 0, 0));
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'trace', stream }, routerOptions: { ignoreTrailingSlash: true } });
  // Whether or not src/store/index.ts carries the auth stores yet, these are over the same connection.
  const store = { ...createAuthStores(db), ...createStore(db, () => 'Etc/UTC', () => {}) };
  const stores: AuthStores = store;
  installErrorHandler(app);
  await app.register(fastifyStatic, { root: join(projectRoot, 'public'), prefix: '/static/' });
  app.get('/', async (_request, reply) => reply.header('cache-control', 'public, max-age=15').send({ page: 'public' }));
  app.post('/public-form', async (request) => ({ body: request.body ?? null }));
  // The dashboard is GET /admin, where signing in lands: every admin app has it.
  const routes = [adminDashboard({ store, clock: clock.now, pageName: 'Acme Status' }), ...(opts.routes ?? [])];
  await app.register(adminAuth, { stores, clock: clock.now, secure: opts.secure ?? false, pageName: 'Acme Status', routes });
  await app.ready();
  const stop = async () => {
    await app.close();
    db.close();
  };
  return {
    app,
    db,
    clock,
    dir,
    stores,
    logs,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function addOperator(stores: AuthStores, who: { email: string; password: string; name: string }, role: Role, now: number) {
  return stores.operators.create({ email: who.email, name: who.name, role, passwordHash: await hashPassword(who.password) }, now);
}

/** A minimal cookie jar: what the tests send back is exactly what the server set. */
export class Jar {
  readonly cookies = new Map<string, string>();
  take(res: LightMyRequestResponse): this {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= 0) || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return this;
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF field in the page');
  return match[1]!;
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Loads the sign-in form and posts it, as a browser would; the jar keeps what the server set. */
export async function signIn(app: FastifyInstance, jar: Jar, email: string, password: string, remoteAddress = '127.0.0.1') {
  const page = await app.inject({ method: 'GET', url: '/admin/login', headers: { cookie: jar.header() }, remoteAddress });
  jar.take(page);
  const res = await app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { ...FORM, cookie: jar.header() },
    payload: form({ _csrf: csrfOf(page.body), email, password }),
    remoteAddress,
  });
  jar.take(res);
  return res;
}

/** A signed-in browser: its jar and the CSRF token its pages carry. */
export async function signedIn(app: FastifyInstance, who: { email: string; password: string }) {
  const jar = new Jar();
  const res = await signIn(app, jar, who.email, who.password);
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const page = await app.inject({ url: '/admin', headers: { cookie: jar.header() } });
  return { jar, csrf: csrfOf(page.body) };
}

/** The rows of every table the admin writes, and the connection's change counter. */
export function snapshot(db: Db) {
  const rows = (table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all();
  return {
    changes: (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n,
    operators: rows('operators'),
    sessions: db.prepare('SELECT * FROM operator_sessions ORDER BY id_hash').all(),
    failures: rows('login_failures'),
    audit: rows('audit_log'),
    meta: rows('meta'),
  };
}

/** The message of the page's alert or of the error beside a field, whitespace folded. */
export function alertOf(html: string): string | undefined {
  const match = /<p class="(?:alert|error)"[^>]*>([^<]*)<\/p>/.exec(html);
  return match?.[1]?.replace(/\s+/g, ' ').trim();
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/auth/bootstrap.js';
import { ADMIN, FORM, form, Jar, makeAdminApp, signedIn, signIn, type AdminTestApp } from './helpers.js';

const WRONG = 'Wrong-Guess-7c1e9b2f-not-the-password';
const ADDED = 'Added-Operator-Secret-5a9d0e44';

let t: AdminTestApp;
beforeEach(async () => {
  t = await makeAdminApp();
});
afterEach(() => t.close());

/** Every byte SQLite has written for this database: the main file, the WAL, the shared memory. */
function databaseBytes(dir: string): string {
  return readdirSync(dir)
    .filter((f) => f.startsWith('outpost.db'))
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('');
}

describe('passwords and session ids stay secret', () => {
  it('are stored as scrypt hashes and appear nowhere: not in the database files, not in the log', async () => {
    await bootstrapAdmin(t.stores, { OUTPOST_ADMIN_EMAIL: ADMIN.email, OUTPOST_ADMIN_PASSWORD: ADMIN.password }, t.clock.now);
    expect((await signIn(t.app, new Jar(), ADMIN.email, WRONG)).statusCode).toBe(401);
    expect((await signIn(t.app, new Jar(), 'nobody@acme.example', WRONG)).statusCode).toBe(401);
    const { jar, csrf } = await signedIn(t.app, ADMIN);
    const added = await t.app.inject({
      method: 'POST',
      url: '/admin/operators',
      headers: { ...FORM, cookie: jar.header() },
      payload: form({ _csrf: csrf, name: 'Grace', email: 'grace@acme.example', role: 'editor', password: ADDED }),
    });
    expect(added.statusCode).toBe(303);
    // A refused form (too short) must not echo or log what was typed either.
    const refused = await t.app.inject({
      method: 'POST',
      url: '/admin/operators',
      headers: { ...FORM, cookie: jar.header() },
      payload: form({ _csrf: csrf, name: 'Short', email: 'short@acme.example', role: 'editor', password: 'Tiny-Secret' }),
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).not.toContain('Tiny-Secret');
    const sessionId = jar.cookies.get('outpost_session')!;

    const hashes = t.db.prepare('SELECT password_hash FROM operators ORDER BY email').all() as { password_hash: string }[];
    expect(hashes).toHaveLength(2);
    for (const { password_hash } of hashes) expect(password_hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);

    t.db.pragma('wal_checkpoint(PASSIVE)');
    const bytes = databaseBytes(t.dir);
    expect(bytes).toContain('grace@acme.example'); // the search works: plain text is found
    const logs = t.logs.join('');
    expect(logs).toContain('"url":"/admin/login"'); // the log was captured, requests and all
    expect(logs).toContain('admin: operator signed in');
    for (const secret of [ADMIN.password, WRONG, ADDED, 'Tiny-Secret', sessionId, csrf]) {
      expect(bytes.includes(secret), `database holds ${secret.slice(0, 6)}…`).toBe(secret === csrf); // the CSRF token is stored, by design
      expect(logs.includes(secret), `log holds ${secret.slice(0, 6)}…`).toBe(false);
    }
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockedUntil, waitText } from '../../src/auth/throttle.js';
import { MINUTE } from '../../src/util/time.js';
import { ADMIN, addOperator, alertOf, EDITOR, Jar, makeAdminApp, signIn, type AdminTestApp } from './helpers.js';

const T = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (minutes: number) => T + minutes * MINUTE;

describe('lockedUntil (5 per 15 min)', () => {
  it.each([
    ['no failures', [], 15, undefined],
    ['four recent', [1, 2, 3, 4], 15, undefined],
    ['five recent: until the oldest leaves the window', [1, 2, 3, 4, 5], 15, at(16)],
    ['six recent: until the oldest of the last five leaves', [1, 2, 3, 4, 5, 6], 15, at(17)],
    ['five, the oldest already out of the window', [-1, 2, 3, 4, 5], 15, undefined],
    ['five, exactly one window old counts as out', [0, 2, 3, 4, 5], 15, undefined],
    ['five, the lock has just run out', [1, 2, 3, 4, 5], 16, undefined],
  ])('%s', (_name, minutes, now, expected) => {
    expect(lockedUntil(minutes.map(at), 5, 15 * MINUTE, at(now))).toBe(expected);
  });

  it.each([
    [1, '1 minute'],
    [59_000, '1 minute'],
    [60_000, '1 minute'],
    [60_001, '2 minutes'],
    [11 * MINUTE + 1, '12 minutes'],
  ])('waitText(%i) = %s', (ms, text) => expect(waitText(ms)).toBe(text));
});

describe('sign-in limits', () => {
  let t: AdminTestApp;
  beforeEach(async () => {
    t = await makeAdminApp();
    await addOperator(t.stores, ADMIN, 'admin', t.clock.ms);
  });
  afterEach(() => t.close());

  it('answers the 6th wrong password with 429 and the wait, and remembers it across a restart', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await signIn(t.app, new Jar(), ADMIN.email, `wrong password ${i}`);
      expect(res.statusCode, `attempt ${i}`).toBe(401);
      t.clock.advance(MINUTE);
    }
    // First failure at 12:00, now 12:05:02: locked until 12:15, 9 min 58 s, said as "10 minutes".
    t.clock.advance(2_000);
    const sixth = await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password);
    expect(sixth.statusCode).toBe(429);
    expect(alertOf(sixth.body)).toBe('Too many failed sign-ins for this account; try again in 10 minutes.');
    expect(Number(sixth.headers['retry-after'])).toBe(10 * 60 - 2);
    expect(sixth.headers['set-cookie']).not.toMatch(/outpost_session=/);

    // A new process on the same database file still refuses.
    const { dir, clock } = t;
    await t.stop();
    t = await makeAdminApp({ dir, clock });
    clock.advance(3 * MINUTE);
    const afterRestart = await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password);
    expect(afterRestart.statusCode).toBe(429);
    expect(alertOf(afterRestart.body)).toBe('Too many failed sign-ins for this account; try again in 7 minutes.');

    // Once the window has passed, the right password works again.
    clock.advance(7 * MINUTE);
    expect((await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password)).statusCode).toBe(303);
  });

  it('limits unknown emails the same way, so the limit does not reveal which accounts exist', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn(t.app, new Jar(), 'nobody@acme.example', 'wrong password')).statusCode).toBe(401);
    const sixth = await signIn(t.app, new Jar(), 'nobody@acme.example', 'wrong password');
    expect(sixth.statusCode).toBe(429);
    expect(alertOf(sixth.body)).toBe('Too many failed sign-ins for this account; try again in 15 minutes.');
  });

  it('clears the account counter on a successful sign-in', async () => {
    for (let i = 0; i < 4; i++) await signIn(t.app, new Jar(), ADMIN.email, 'wrong password');
    expect((await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password)).statusCode).toBe(303);
    expect(t.db.prepare("SELECT count(*) AS n FROM login_failures WHERE scope = 'account'").get()).toEqual({ n: 0 });
    for (let i = 0; i < 4; i++) expect((await signIn(t.app, new Jar(), ADMIN.email, 'wrong password')).statusCode).toBe(401);
    expect((await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password)).statusCode).toBe(303);
  });

  it('locks one account without locking another', async () => {
    for (let i = 0; i < 5; i++) await signIn(t.app, new Jar(), 'nobody@acme.example', 'wrong password');
    expect((await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password)).statusCode).toBe(303);
  });

  it('stops an address after 20 failures across accounts, and only that address', async () => {
    const ip = '203.0.113.7';
    for (let i = 0; i < 20; i++) {
      expect((await signIn(t.app, new Jar(), `user${i}@acme.example`, 'wrong password', ip)).statusCode).toBe(401);
    }
    const refused = await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password, ip);
    expect(refused.statusCode).toBe(429);
    expect(alertOf(refused.body)).toBe('Too many failed sign-ins from your network; try again in 15 minutes.');
    expect((await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password, '198.51.100.9')).statusCode).toBe(303);
  });

  describe('a browser that signed in before (device cookie)', () => {
    /** A browser where Ada has signed in and out again: it keeps its device cookie, and only that. */
    async function adasBrowser(): Promise<Jar> {
      const jar = new Jar();
      expect((await signIn(t.app, jar, ADMIN.email, ADMIN.password)).statusCode).toBe(303);
      expect(jar.cookies.get('outpost_device')).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
      jar.cookies.delete('outpost_session');
      return jar;
    }

    it('still signs in while others\' guesses have locked the account', async () => {
      const jar = await adasBrowser();
      for (let i = 0; i < 5; i++) await signIn(t.app, new Jar(), ADMIN.email, `attacker guess ${i}`, '198.51.100.66');
      const stranger = await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password, '192.0.2.1');
      expect(stranger.statusCode).toBe(429);
      expect(alertOf(stranger.body)).toBe('Too many failed sign-ins for this account; try again in 15 minutes.');
      // Ada's own browser, even from the attacker's address, which has failed too.
      expect((await signIn(t.app, jar, ADMIN.email, ADMIN.password, '198.51.100.66')).statusCode).toBe(303);
    });

    it('is limited on its own: its failures lock that browser, not the account', async () => {
      const jar = await adasBrowser();
      for (let i = 0; i < 5; i++) expect((await signIn(t.app, jar, ADMIN.email, `typo ${i}`)).statusCode).toBe(401);
      const sixth = await signIn(t.app, jar, ADMIN.email, ADMIN.password);
      expect(sixth.statusCode).toBe(429);
      expect(alertOf(sixth.body)).toBe('Too many failed sign-ins from this browser; try again in 15 minutes.');
      expect((await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password)).statusCode).toBe(303);
    });

    it('is a stranger again once the password changes', async () => {
      const jar = await adasBrowser();
      t.db.prepare('UPDATE operators SET password_hash = ? WHERE email = ?').run((await import('../../src/auth/password.js').then((m) => m.hashPassword('a brand new password 1'))), ADMIN.email);
      for (let i = 0; i < 5; i++) await signIn(t.app, new Jar(), ADMIN.email, `attacker guess ${i}`, '198.51.100.66');
      const res = await signIn(t.app, jar, ADMIN.email, 'a brand new password 1');
      expect(res.statusCode).toBe(429);
      expect(alertOf(res.body)).toBe('Too many failed sign-ins for this account; try again in 15 minutes.');
    });

    it('counts for nothing for another account, nor tampered with', async () => {
      await addOperator(t.stores, EDITOR, 'editor', t.clock.ms);
      const jar = await adasBrowser();
      const value = jar.cookies.get('outpost_device')!;
      for (const [who, cookie] of [
        [EDITOR.email, value],
        [ADMIN.email, `${value.slice(0, -2)}AA`],
      ] as const) {
        for (let i = 0; i < 5; i++) await signIn(t.app, new Jar(), who, `attacker guess ${i}`, '198.51.100.66');
        const browser = new Jar();
        browser.cookies.set('outpost_device', cookie);
        const res = await signIn(t.app, browser, who, who === ADMIN.email ? ADMIN.password : EDITOR.password, '192.0.2.1');
        expect(res.statusCode, who).toBe(429);
        expect(alertOf(res.body)).toBe('Too many failed sign-ins for this account; try again in 15 minutes.');
      }
    });
  });

  it('counts parallel guesses before checking them, so a burst cannot pass the limit', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(t.app, new Jar(), ADMIN.email, `guess ${i}`)));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 401)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(7);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrapAdmin, BootstrapError } from '../../src/auth/bootstrap.js';
import { verifyPassword } from '../../src/auth/password.js';
import { ADMIN, Jar, makeAdminApp, signIn, type AdminTestApp } from './helpers.js';

let t: AdminTestApp;
beforeEach(async () => {
  t = await makeAdminApp();
});
afterEach(() => t.close());

const env = (email: string | undefined, password: string | undefined, name?: string) => ({
  OUTPOST_ADMIN_EMAIL: email,
  OUTPOST_ADMIN_PASSWORD: password,
  OUTPOST_ADMIN_NAME: name,
});

describe('bootstrapAdmin', () => {
  it('creates the first operator as an admin, audited, who can sign in', async () => {
    const result = await bootstrapAdmin(t.stores, env(' Ada@Acme.example ', ADMIN.password, 'Ada'), t.clock.now);
    expect(result).toMatchObject({ created: true, operator: { email: 'ada@acme.example', name: 'Ada', role: 'admin' } });
    expect(t.stores.operators.list()).toHaveLength(1);
    const stored = t.stores.operators.credentials('ada@acme.example')!;
    expect(await verifyPassword(ADMIN.password, stored.passwordHash)).toBe(true);
    expect(t.stores.audit.list(5)).toMatchObject([
      { action: 'operator.create', actor: { kind: 'system' }, entityType: 'operator', entityId: stored.id, after: { email: 'ada@acme.example', role: 'admin' } },
    ]);
    expect((await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password)).statusCode).toBe(303);
  });

  it('ignores the environment once an operator exists, even a new password or an invalid one', async () => {
    await bootstrapAdmin(t.stores, env(ADMIN.email, ADMIN.password), t.clock.now);
    const before = t.db.prepare('SELECT * FROM operators').all();
    expect(await bootstrapAdmin(t.stores, env(ADMIN.email, 'a different password 99'), t.clock.now)).toEqual({ created: false, reason: 'operators_exist', envSet: true });
    expect(await bootstrapAdmin(t.stores, env('other@acme.example', 'short'), t.clock.now)).toMatchObject({ created: false, reason: 'operators_exist' });
    expect(await bootstrapAdmin(t.stores, env(undefined, undefined), t.clock.now)).toEqual({ created: false, reason: 'operators_exist', envSet: false });
    expect(t.db.prepare('SELECT * FROM operators').all()).toEqual(before);
    expect((await signIn(t.app, new Jar(), ADMIN.email, 'a different password 99')).statusCode).toBe(401);
  });

  it('survives a restart: a second process does not create another admin', async () => {
    await bootstrapAdmin(t.stores, env(ADMIN.email, ADMIN.password), t.clock.now);
    const { dir, clock } = t;
    await t.stop();
    t = await makeAdminApp({ dir, clock });
    expect(await bootstrapAdmin(t.stores, env('second@acme.example', 'another long password'), t.clock.now)).toMatchObject({ created: false });
    expect(t.stores.operators.list().map((o) => o.email)).toEqual([ADMIN.email]);
  });

  it('says so, and creates nothing, when neither variable is set', async () => {
    expect(await bootstrapAdmin(t.stores, env(undefined, undefined), t.clock.now)).toEqual({ created: false, reason: 'env_missing' });
    expect(t.stores.operators.count()).toBe(0);
  });

  it.each([
    ['a password under 12 characters', env(ADMIN.email, 'elevenchars'), /^OUTPOST_ADMIN_PASSWORD is too short: use at least 12 characters$/],
    ['a malformed email', env('ada-at-acme', ADMIN.password), /^OUTPOST_ADMIN_EMAIL: Enter an email address/],
    ['an email without a password', env(ADMIN.email, undefined), /OUTPOST_ADMIN_PASSWORD is not/],
    ['a password without an email', env(undefined, ADMIN.password), /OUTPOST_ADMIN_EMAIL is not/],
  ])('rejects %s with a clear error that never contains the password', async (_name, vars, message) => {
    const error = await bootstrapAdmin(t.stores, vars, t.clock.now).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BootstrapError);
    expect((error as Error).message).toMatch(message);
    if (vars.OUTPOST_ADMIN_PASSWORD) expect((error as Error).message).not.toContain(vars.OUTPOST_ADMIN_PASSWORD);
    expect(t.stores.operators.count()).toBe(0);
  });

  it('creates one admin when two starts race', async () => {
    const results = await Promise.all([
      bootstrapAdmin(t.stores, env(ADMIN.email, ADMIN.password), t.clock.now),
      bootstrapAdmin(t.stores, env('other@acme.example', ADMIN.password), t.clock.now),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(t.stores.operators.count()).toBe(1);
  });
});

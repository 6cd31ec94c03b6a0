import { describe, expect, it } from 'vitest';
import { dummyHash, hashPassword, verifyPassword } from '../../src/auth/password.js';

const PASSWORD = 'correct horse battery staple';

describe('password hashing', () => {
  it('writes scrypt$N$r$p$salt$hash with N=2^15, r=8, p=1, a 128-bit salt and a 256-bit key', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(PASSWORD);
  });

  it('salts every hash: the same password twice gives two hashes, both verifying', async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(PASSWORD, b)).toBe(true);
  });

  it.each([
    ['a wrong password', 'correct horse battery stapler'],
    ['the empty string', ''],
    ['a case change', 'Correct horse battery staple'],
  ])('refuses %s', async (_name, attempt) => {
    expect(await verifyPassword(attempt, await hashPassword(PASSWORD))).toBe(false);
  });

  it('treats composed and decomposed accents as the same password (NFC)', async () => {
    const hash = await hashPassword('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
    expect(await verifyPassword('cafe\u0301 au lait, s\u2019il vous plai\u0302t', hash)).toBe(true);
  });

  it('reads the parameters from the stored hash, so old hashes keep working when the defaults rise', async () => {
    const cheap = await hashPassword(PASSWORD, { N: 2 ** 14, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$16384$8$1$')).toBe(true);
    expect(await verifyPassword(PASSWORD, cheap)).toBe(true);
  });

  it.each([
    ['not scrypt', 'bcrypt$2b$10$abc'],
    ['too few parts', 'scrypt$32768$8$1$salt'],
    ['N not a power of two', 'scrypt$30000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['N huge (a memory bomb)', 'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['r huge', 'scrypt$32768$4096$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['short key', 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA'],
    ['the password itself', PASSWORD],
  ])('never matches an unreadable hash (%s), and does not throw', async (_name, stored) => {
    expect(await verifyPassword(PASSWORD, stored)).toBe(false);
  });

  it('checks an unknown email against a decoy shaped like a real hash, so the same scrypt work runs, and it matches nothing', async () => {
    const real = await hashPassword(PASSWORD);
    const decoy = dummyHash();
    // Same parameters and lengths as a stored hash: verifyPassword derives a key for it exactly as
    // for an account's own, instead of refusing an unreadable hash at once (which timing would tell).
    expect(decoy).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(decoy.split('$').slice(0, 4)).toEqual(real.split('$').slice(0, 4));
    expect(dummyHash()).toBe(decoy);
    for (const attempt of [PASSWORD, '', decoy]) expect(await verifyPassword(attempt, decoy)).toBe(false);
  });
});

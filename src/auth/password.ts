import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard: every guess costs 32 MiB and ~100 ms of a core).
 * The parameters are stored with each hash, `scrypt$N$r$p$salt$hash` (base64url), so they can be
 * raised later without invalidating existing passwords.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
export const MIN_PASSWORD_LENGTH = 12;
/** scrypt accepts any length, but a megabyte "password" is only a way to burn our CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

const KEY_BYTES = 32;
const SALT_BYTES = 16;

/**
 * scrypt runs in libuv's thread pool (4 threads), which file reads and DNS lookups share. A burst of
 * sign-ins must not take all of it, so at most two run at once and a bounded queue waits behind
 * them; beyond that we answer "busy" instead of piling up memory.
 */
const MAX_RUNNING = 2;
const MAX_WAITING = 64;
let running = 0;
const waiting: Array<() => void> = [];

export class PasswordHasherBusy extends Error {
  constructor() {
    super('too many sign-ins in progress; try again in a few seconds');
    this.name = 'PasswordHasherBusy';
  }
}

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) {
    if (waiting.length >= MAX_WAITING) throw new PasswordHasherBusy();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next waiter, or give it back.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  // NFC so that the same password typed on a phone and on a desktop keyboard gives the same bytes.
  const input = password.normalize('NFC');
  return withSlot(
    () => new Promise((resolve, reject) => scrypt(input, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)))),
  );
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return encodeHash(params, salt, key);
}

/** `scrypt$N$r$p$salt$key`, salt and key in base64url. */
function encodeHash(params: ScryptParams, salt: Buffer, key: Buffer): string {
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Parses a stored hash; bounds the parameters so a tampered row cannot make us allocate gigabytes. */
function parseHash(encoded: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const validN = Number.isInteger(N) && N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0;
  if (!validN || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 16 || key.length !== KEY_BYTES) return undefined;
  return { params: { N, r, p }, salt, key };
}

/** True when the password matches. An unreadable hash never matches (and never throws). */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/**
 * A hash of nothing anyone knows, checked when the email is unknown so that "no such account" costs
 * the same scrypt work as "wrong password" and the timing does not tell them apart. Its salt and
 * key are random bytes, not the output of a scrypt run: verifying against it derives with the same
 * parameters as any stored hash, and making it costs nothing (a scrypt run at start would map
 * 32 MiB that the server's peak memory then carries).
 */
const dummy = encodeHash(DEFAULT_PARAMS, randomBytes(SALT_BYTES), randomBytes(KEY_BYTES));

export function dummyHash(): string {
  return dummy;
}

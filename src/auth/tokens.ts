import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL- and cookie-safe. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Session ids are 256 random bits, so an unsalted SHA-256 is a safe way to store them. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function hmac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

/**
 * Compares two secrets in constant time. Both sides are hashed first, so neither the length of the
 * expected value nor where the first difference sits shows in the timing (timingSafeEqual itself
 * throws on a length mismatch, which would leak the length).
 */
export function secretsEqual(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given === '') return false;
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

import type { MetaStore } from '../store/meta.js';
import { hmac, randomToken, secretsEqual } from './tokens.js';

const SECRET_KEY = 'auth_secret';

/**
 * A random secret kept in the meta table, created on first use. It signs the sign-in form's CSRF
 * pair; it survives restarts so a form loaded before a deploy still works after it.
 */
export function serverSecret(meta: MetaStore): string {
  let secret = meta.get(SECRET_KEY);
  if (!secret) {
    secret = randomToken();
    meta.set(SECRET_KEY, secret);
  }
  return secret;
}

/**
 * CSRF protection for the sign-in form, which has no session yet: a double submit. The cookie holds
 * a random nonce; the form's hidden field holds when it was issued and an HMAC of both. A forged
 * cross-site POST lacks the cookie (SameSite=Strict) or cannot produce a matching field, and a field
 * older than `maxAgeMs` is refused even if the cookie lingers.
 */
export class LoginCsrf {
  constructor(
    private readonly secret: string,
    private readonly maxAgeMs: number,
  ) {}

  /** A cookie nonce to keep (the current one when it looks right, so two open tabs both work) and its form field. */
  issue(currentNonce: string | undefined, now: number): { nonce: string; field: string } {
    const nonce = currentNonce && /^[A-Za-z0-9_-]{43}$/.test(currentNonce) ? currentNonce : randomToken();
    return { nonce, field: `${now}.${hmac(this.secret, `login:${nonce}:${now}`)}` };
  }

  verify(nonce: string | undefined, field: string | undefined, now: number): boolean {
    if (!nonce || !field) return false;
    const dot = field.indexOf('.');
    const issuedAt = Number(field.slice(0, dot));
    if (dot < 1 || !Number.isSafeInteger(issuedAt)) return false;
    // A minute of slack for a clock that moved back; older than maxAge is a stale form.
    if (issuedAt > now + 60_000 || now - issuedAt > this.maxAgeMs) return false;
    return secretsEqual(field.slice(dot + 1), hmac(this.secret, `login:${nonce}:${issuedAt}`));
  }
}

import { normalizeEmail } from './operator-store.js';
import { hmac, randomToken, secretsEqual, sha256 } from './tokens.js';

export const DEVICE_COOKIE = 'outpost_device';

/**
 * "This browser has signed in as this operator before": a device cookie (OWASP, "Slow Down Online
 * Guessing Attacks with Device Cookies"). Its value is a random nonce and an HMAC of the nonce, the
 * operator's email and their password hash under the server's secret, so it cannot be made for an
 * account without having signed in to it, and a new password ends every device's trust (after a
 * compromise, the attacker's browser is a stranger again). Sign-in attempts carrying a valid one
 * for the email typed are limited per device, not by the account-wide lockout that anyone may
 * trigger (src/auth/login.ts).
 */
export class DeviceCookies {
  constructor(private readonly secret: string) {}

  /** A new value for the browser that just signed in as `email`, whose password hash is `passwordHash`. */
  issue(email: string, passwordHash: string): string {
    const nonce = randomToken();
    return `${nonce}.${this.sign(nonce, email, passwordHash)}`;
  }

  /**
   * The device's nonce when `value` is a device cookie for `email` with its current password hash
   * (undefined for an unknown email: then nothing is trusted), else undefined.
   */
  trusted(value: string | undefined, email: string, passwordHash: string | undefined): string | undefined {
    if (!value || passwordHash === undefined) return undefined;
    const dot = value.indexOf('.');
    const nonce = value.slice(0, dot);
    if (dot < 1 || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) return undefined;
    return secretsEqual(value.slice(dot + 1), this.sign(nonce, email, passwordHash)) ? nonce : undefined;
  }

  private sign(nonce: string, email: string, passwordHash: string): string {
    return hmac(this.secret, `device:${nonce}:${normalizeEmail(email)}:${sha256(passwordHash)}`);
  }
}

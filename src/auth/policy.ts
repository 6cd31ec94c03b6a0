import { DAY, HOUR, MINUTE } from '../util/time.js';

/** Session and sign-in limits in one place, so tests and the README quote the same numbers. */
export interface AuthPolicy {
  /** A session unused this long is over. */
  idleMs: number;
  /** A session this old is over, however busy. */
  absoluteMs: number;
  /** last_seen_at is rewritten at most this often: one write a minute, not one per request. */
  touchEveryMs: number;
  /** Lifetime of the sign-in form's CSRF pair. */
  loginFormMs: number;
  /** Failed sign-ins counted over this sliding window. */
  failureWindowMs: number;
  /** Per account from browsers not trusted for it, and per trusted browser (device cookie). */
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  /** How long a browser that signed in stays trusted for that account (its device cookie's life). */
  deviceMs: number;
}

export const DEFAULT_POLICY: AuthPolicy = {
  idleMs: 30 * MINUTE,
  absoluteMs: 12 * HOUR,
  touchEveryMs: MINUTE,
  loginFormMs: HOUR,
  failureWindowMs: 15 * MINUTE,
  maxFailuresPerAccount: 5,
  maxFailuresPerIp: 20,
  deviceMs: 90 * DAY,
};

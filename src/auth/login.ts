import type { Clock } from '../util/time.js';
import { operatorActor } from './audit-store.js';
import type { DeviceCookies } from './device-cookie.js';
import { normalizeEmail, type Operator } from './operator-store.js';
import { dummyHash, verifyPassword } from './password.js';
import type { FailureScope } from './login-failure-store.js';
import type { AuthPolicy } from './policy.js';
import type { Session } from './session-store.js';
import type { AuthStores } from './stores.js';
import { lockedUntil } from './throttle.js';

export interface SignInInput {
  /** Already validated as an email address. */
  email: string;
  password: string;
  ip: string;
  /** The cookie's session id, if any: discarded whatever the outcome of a successful sign-in. */
  previousSessionId: string | undefined;
  /**
   * This browser's device cookie, if any (device-cookie.ts). Valid for `email`, the attempt is
   * limited per device, and the account-wide and per-address limits, which anyone can run into for
   * an account, do not stop it.
   */
  deviceCookie?: string;
}

export type SignInResult =
  /** `deviceCookie`: this browser's new device cookie, trusted for this account from now on. */
  | { ok: true; operator: Operator; rawSessionId: string; session: Session; deviceCookie: string }
  | { ok: false; reason: 'throttled'; scope: 'account' | 'ip' | 'device'; retryAt: number }
  /** Unknown email, wrong password and disabled account look the same from outside. */
  | { ok: false; reason: 'invalid' };

export interface SignInDeps {
  stores: AuthStores;
  policy: AuthPolicy;
  clock: Clock;
  devices: DeviceCookies;
}

/** The limits an attempt is counted against: a trusted device's own, or the account's and the address's. */
function limitsFor(email: string, input: SignInInput, policy: AuthPolicy, trustedDevice: string | undefined): { scope: FailureScope; key: string; limit: number }[] {
  if (trustedDevice !== undefined) return [{ scope: 'device', key: trustedDevice, limit: policy.maxFailuresPerAccount }];
  return [
    { scope: 'account', key: email, limit: policy.maxFailuresPerAccount },
    { scope: 'ip', key: input.ip, limit: policy.maxFailuresPerIp },
  ];
}

/**
 * Checks a sign-in and, when it succeeds, starts a new session.
 *
 * Each attempt is counted as a failure *before* the password is checked, in the same synchronous
 * step as the limit check, and taken back when it succeeds. Checking then counting after the
 * (asynchronous) scrypt would let a burst of parallel guesses all pass the check at once.
 */
export async function signIn(deps: SignInDeps, input: SignInInput): Promise<SignInResult> {
  const { stores, policy, clock } = deps;
  const email = normalizeEmail(input.email);
  const start = clock();
  const since = start - policy.failureWindowMs;
  const credentials = stores.operators.credentials(email);
  const limits = limitsFor(email, input, policy, deps.devices.trusted(input.deviceCookie, email, credentials?.passwordHash));

  for (const { scope, key, limit } of limits) {
    const lock = lockedUntil(stores.loginFailures.since(scope, key, since), limit, policy.failureWindowMs, start);
    if (lock !== undefined) return { ok: false, reason: 'throttled', scope, retryAt: lock };
  }
  const reserved = stores.db.transaction(() => limits.map(({ scope, key }) => ({ scope, key, id: stores.loginFailures.record(scope, key, start) })))();

  let matches: boolean;
  try {
    // The same scrypt work whether or not the account exists: timing must not tell them apart.
    matches = await verifyPassword(input.password, credentials?.passwordHash ?? dummyHash());
  } catch (err) {
    // Not evaluated (hasher busy): not a failure either.
    stores.db.transaction(() => {
      for (const r of reserved) stores.loginFailures.remove(r.id);
    })();
    throw err;
  }

  const now = clock();
  if (credentials && matches && !credentials.disabled) {
    const { passwordHash, ...operator } = credentials;
    return stores.db.transaction((): SignInResult => {
      // The account's (or this device's) count starts again; the address keeps its other failures.
      for (const r of reserved) {
        if (r.scope === 'ip') stores.loginFailures.remove(r.id);
        else stores.loginFailures.clear(r.scope, r.key);
      }
      // Rotation: whatever session the browser had before is over (remembered as ended for an hour,
      // so that a form from one of its pages is kept); the new id was never seen by anyone.
      stores.sessions.endRaw(input.previousSessionId, now);
      // Housekeeping, at sign-in as it is rare enough: sessions and kept forms past remembering.
      stores.sessions.prune(now);
      stores.unsentForms.prune(now);
      const { rawId, session } = stores.sessions.create(operator.id, now);
      stores.audit.record({ at: now, actor: operatorActor(operator), action: 'auth.login', entityType: 'operator', entityId: operator.id, ip: input.ip });
      return { ok: true, operator, rawSessionId: rawId, session, deviceCookie: deps.devices.issue(operator.email, passwordHash) };
    })();
  }

  stores.db.transaction(() => {
    stores.loginFailures.prune(now - policy.failureWindowMs);
    stores.audit.record({
      at: now,
      actor: credentials ? operatorActor(credentials) : { kind: 'anonymous', id: null, name: email },
      action: 'auth.login_failed',
      entityType: 'operator',
      entityId: credentials?.id ?? null,
      // Only admins read the audit log, so it may say why; the person signing in is never told.
      after: { reason: !credentials ? 'unknown_account' : credentials.disabled ? 'disabled' : 'wrong_password' },
      ip: input.ip,
    });
  })();
  return { ok: false, reason: 'invalid' };
}

/** Ends a session and records it. */
export function signOut(stores: AuthStores, session: Session, operator: Operator, ip: string, now: number): void {
  stores.db.transaction(() => {
    stores.sessions.delete(session.idHash);
    stores.audit.record({ at: now, actor: operatorActor(operator), action: 'auth.logout', entityType: 'operator', entityId: operator.id, ip });
  })();
}

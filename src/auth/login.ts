import type { Clock } from '../util/time.js';
import { operatorActor } from './audit-store.js';
import { normalizeEmail, type Operator } from './operator-store.js';
import { dummyHash, verifyPassword } from './password.js';
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
}

export type SignInResult =
  | { ok: true; operator: Operator; rawSessionId: string; session: Session }
  | { ok: false; reason: 'throttled'; scope: 'account' | 'ip'; retryAt: number }
  /** Unknown email, wrong password and disabled account look the same from outside. */
  | { ok: false; reason: 'invalid' };

export interface SignInDeps {
  stores: AuthStores;
  policy: AuthPolicy;
  clock: Clock;
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

  const accountLock = lockedUntil(stores.loginFailures.since('account', email, since), policy.maxFailuresPerAccount, policy.failureWindowMs, start);
  if (accountLock !== undefined) return { ok: false, reason: 'throttled', scope: 'account', retryAt: accountLock };
  const ipLock = lockedUntil(stores.loginFailures.since('ip', input.ip, since), policy.maxFailuresPerIp, policy.failureWindowMs, start);
  if (ipLock !== undefined) return { ok: false, reason: 'throttled', scope: 'ip', retryAt: ipLock };

  const reserved = stores.db.transaction(() => ({
    account: stores.loginFailures.record('account', email, start),
    ip: stores.loginFailures.record('ip', input.ip, start),
  }))();

  const credentials = stores.operators.credentials(email);
  let matches: boolean;
  try {
    // The same scrypt work whether or not the account exists: timing must not tell them apart.
    matches = await verifyPassword(input.password, credentials?.passwordHash ?? dummyHash());
  } catch (err) {
    // Not evaluated (hasher busy): not a failure either.
    stores.db.transaction(() => {
      stores.loginFailures.remove(reserved.account);
      stores.loginFailures.remove(reserved.ip);
    })();
    throw err;
  }

  const now = clock();
  if (credentials && matches && !credentials.disabled) {
    const { passwordHash: _hash, ...operator } = credentials;
    return stores.db.transaction((): SignInResult => {
      stores.loginFailures.remove(reserved.ip);
      stores.loginFailures.clear('account', email);
      // Rotation: whatever session the browser had before is gone; the new id was never seen by anyone.
      stores.sessions.deleteRaw(input.previousSessionId);
      stores.sessions.prune(now);
      const { rawId, session } = stores.sessions.create(operator.id, now);
      stores.audit.record({ at: now, actor: operatorActor(operator), action: 'auth.login', entityType: 'operator', entityId: operator.id, ip: input.ip });
      return { ok: true, operator, rawSessionId: rawId, session };
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

import type { Clock } from '../util/time.js';
import { SYSTEM_ACTOR } from './audit-store.js';
import { emailAddress, newPassword } from './forms.js';
import type { Operator } from './operator-store.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './password.js';
import type { AuthStores } from './stores.js';

export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

export type BootstrapResult =
  | { created: true; operator: Operator }
  /** Operators exist: the environment is not read at all. `envSet` says whether it could be removed. */
  | { created: false; reason: 'operators_exist'; envSet: boolean }
  /** No operator and no OUTPOST_ADMIN_*: nobody can sign in until they are set. */
  | { created: false; reason: 'env_missing' };

/**
 * Creates the first operator, an admin, from OUTPOST_ADMIN_EMAIL and OUTPOST_ADMIN_PASSWORD (and the
 * optional OUTPOST_ADMIN_NAME) when the database has no operator yet. Later starts ignore these
 * variables, so changing them never resets a password. Errors never contain the password.
 */
export async function bootstrapAdmin(
  store: Pick<AuthStores, 'db' | 'operators' | 'audit'>,
  env: Record<string, string | undefined>,
  clock: Clock,
): Promise<BootstrapResult> {
  const rawEmail = env.OUTPOST_ADMIN_EMAIL?.trim() ?? '';
  const password = env.OUTPOST_ADMIN_PASSWORD ?? '';
  if (store.operators.count() > 0) return { created: false, reason: 'operators_exist', envSet: rawEmail !== '' || password !== '' };
  if (rawEmail === '' && password === '') return { created: false, reason: 'env_missing' };
  if (rawEmail === '') throw new BootstrapError('OUTPOST_ADMIN_PASSWORD is set but OUTPOST_ADMIN_EMAIL is not: set both to create the first admin');
  if (password === '') throw new BootstrapError('OUTPOST_ADMIN_EMAIL is set but OUTPOST_ADMIN_PASSWORD is not: set both to create the first admin');

  const email = emailAddress.safeParse(rawEmail);
  if (!email.success) throw new BootstrapError(`OUTPOST_ADMIN_EMAIL: ${email.error.issues[0]?.message ?? 'not an email address'}`);
  if (!newPassword.safeParse(password).success) {
    // Say what is wrong without echoing the value or its exact length.
    throw new BootstrapError(
      password.length < MIN_PASSWORD_LENGTH
        ? `OUTPOST_ADMIN_PASSWORD is too short: use at least ${MIN_PASSWORD_LENGTH} characters`
        : 'OUTPOST_ADMIN_PASSWORD is too long',
    );
  }
  const name = env.OUTPOST_ADMIN_NAME?.trim() || 'Administrator';
  const passwordHash = await hashPassword(password);

  // Hashing yielded: check again inside the transaction so two starts cannot both create one.
  return store.db.transaction((): BootstrapResult => {
    if (store.operators.count() > 0) return { created: false, reason: 'operators_exist', envSet: true };
    const now = clock();
    const operator = store.operators.create({ email: email.data, name, role: 'admin', passwordHash }, now);
    store.audit.record({
      at: now,
      actor: SYSTEM_ACTOR,
      action: 'operator.create',
      entityType: 'operator',
      entityId: operator.id,
      after: { email: operator.email, name: operator.name, role: operator.role, source: 'OUTPOST_ADMIN_EMAIL' },
    });
    return { created: true, operator };
  })();
}

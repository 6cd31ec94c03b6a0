import type { Clock } from '../util/time.js';
import { operatorActor } from './audit-store.js';
import type { Operator, Role } from './operator-store.js';
import { hashPassword } from './password.js';
import type { AuthStores } from './stores.js';

/**
 * Adds an operator on behalf of another, with its audit entry in the same transaction. The password
 * is hashed first (asynchronously, outside any transaction) and never recorded anywhere else.
 * Throws DuplicateEmailError when the email is taken.
 */
export async function addOperator(
  stores: AuthStores,
  by: Operator,
  input: { email: string; name: string; role: Role; password: string },
  ip: string,
  clock: Clock,
): Promise<Operator> {
  const passwordHash = await hashPassword(input.password);
  return stores.db.transaction(() => {
    const now = clock();
    const operator = stores.operators.create({ email: input.email, name: input.name, role: input.role, passwordHash }, now);
    stores.audit.record({
      at: now,
      actor: operatorActor(by),
      action: 'operator.create',
      entityType: 'operator',
      entityId: operator.id,
      after: { email: operator.email, name: operator.name, role: operator.role },
      ip,
    });
    return operator;
  })();
}

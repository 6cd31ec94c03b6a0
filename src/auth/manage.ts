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

/** Why an operator cannot be disabled: the one doing it, or the last admin able to add others. */
export class OperatorChangeRefused extends Error {}

/**
 * Disables or enables an operator (a leaver, a lost phone): a disabled one cannot sign in, and
 * their open sessions stop working at once. Nobody disables themselves, nor the last active admin.
 */
export function setOperatorDisabled(stores: AuthStores, by: Operator, id: string, disabled: boolean, ip: string, clock: Clock): Operator {
  return stores.db.transaction(() => {
    const target = stores.operators.byId(id);
    if (!target) throw new OperatorChangeRefused('No such operator.');
    if (target.disabled === disabled) return target;
    if (disabled && target.id === by.id) throw new OperatorChangeRefused('You cannot disable yourself; ask another admin.');
    if (disabled && target.role === 'admin' && stores.operators.list().filter((o) => o.role === 'admin' && !o.disabled).length <= 1) {
      throw new OperatorChangeRefused('This is the last active admin; add or enable another admin first.');
    }
    stores.operators.setDisabled(id, disabled);
    stores.audit.record({
      at: clock(),
      actor: operatorActor(by),
      action: disabled ? 'operator.disable' : 'operator.enable',
      entityType: 'operator',
      entityId: id,
      before: { disabled: target.disabled },
      after: { disabled },
      ip,
    });
    return stores.operators.byId(id)!;
  })();
}

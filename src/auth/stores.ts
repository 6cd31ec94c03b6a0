import type { Db } from '../db/open.js';
import type { MetaStore } from '../store/meta.js';
import { AuditStore } from './audit-store.js';
import { FormSubmissionStore } from './form-submission-store.js';
import { LoginFailureStore } from './login-failure-store.js';
import { OperatorStore } from './operator-store.js';
import { DEFAULT_POLICY, type AuthPolicy } from './policy.js';
import { SessionStore } from './session-store.js';
import { UnsentFormStore } from './unsent-form-store.js';

/** The data layers the admin's security needs. The app's Store carries all of them. */
export interface AuthStores {
  db: Db;
  meta: MetaStore;
  operators: OperatorStore;
  sessions: SessionStore;
  loginFailures: LoginFailureStore;
  audit: AuditStore;
  formSubmissions: FormSubmissionStore;
  unsentForms: UnsentFormStore;
}

export function createAuthStores(db: Db, policy: AuthPolicy = DEFAULT_POLICY): Omit<AuthStores, 'db' | 'meta'> {
  return {
    operators: new OperatorStore(db),
    sessions: new SessionStore(db, policy),
    loginFailures: new LoginFailureStore(db),
    audit: new AuditStore(db),
    formSubmissions: new FormSubmissionStore(db),
    unsentForms: new UnsentFormStore(db),
  };
}

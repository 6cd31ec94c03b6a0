import type { Db } from '../db/open.js';
import { ComponentStore } from './components.js';
import type { AuditStore } from '../auth/audit-store.js';
import type { LoginFailureStore } from '../auth/login-failure-store.js';
import type { OperatorStore } from '../auth/operator-store.js';
import type { SessionStore } from '../auth/session-store.js';
import { createAuthStores } from '../auth/stores.js';
import type { FormSubmissionStore } from '../auth/form-submission-store.js';
import type { UnsentFormStore } from '../auth/unsent-form-store.js';
import { ApiKeyStore } from './api-keys.js';
import { HeartbeatStore } from './heartbeats.js';
import { HistoryStore } from './history.js';
import { IncidentStore } from './incidents.js';
import { MetaStore } from './meta.js';
import { ProberHealthStore } from './prober-health.js';
import { ProbeStore } from './probes.js';
import { OutboxStore } from './outbox.js';
import { NO_ANNOUNCEMENTS, type Announcements } from '../announce/types.js';
import { TemplateStore } from './templates.js';

export interface Store {
  db: Db;
  components: ComponentStore;
  incidents: IncidentStore;
  history: HistoryStore;
  meta: MetaStore;
  probes: ProbeStore;
  heartbeats: HeartbeatStore;
  proberHealth: ProberHealthStore;
  apiKeys: ApiKeyStore;
  templates: TemplateStore;
  operators: OperatorStore;
  sessions: SessionStore;
  loginFailures: LoginFailureStore;
  audit: AuditStore;
  formSubmissions: FormSubmissionStore;
  unsentForms: UnsentFormStore;
  outbox: OutboxStore;
  /** Writes announcement rows inside a change's transaction; no-op until createStore is given one. */
  announcer: Announcements;
}

/**
 * The data layer. `onChange` is called after every committed write that can change what the public
 * page shows; the publisher listens to it to rebuild the snapshot.
 */
export function createStore(
  db: Db,
  timeZone: () => string,
  onChange: () => void,
  /** Builds the announcer over the finished store (it reads incidents and components to capture events). */
  announcer?: (store: Store) => Announcements,
): Store {
  const history = new HistoryStore(db);
  const store: Store = {
    db,
    history,
    components: new ComponentStore(db, history, timeZone, onChange, (change) => store.announcer.componentChanged(change)),
    incidents: new IncidentStore(db, onChange),
    meta: new MetaStore(db),
    probes: new ProbeStore(db),
    heartbeats: new HeartbeatStore(db),
    proberHealth: new ProberHealthStore(db, onChange),
    apiKeys: new ApiKeyStore(db),
    templates: new TemplateStore(db),
    ...createAuthStores(db),
    outbox: new OutboxStore(db),
    announcer: NO_ANNOUNCEMENTS,
  };
  if (announcer) store.announcer = announcer(store);
  return store;
}

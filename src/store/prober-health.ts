import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';

export interface ProberHealth {
  impaired: boolean;
  since: number;
  reason: string;
}

/** Whether the prober is impaired; kept across restarts so a restart does not unfreeze statuses on a broken network. */
export class ProberHealthStore {
  private readonly getStmt: Statement;
  private readonly setStmt: Statement;

  constructor(
    db: Db,
    private readonly onChange: () => void,
  ) {
    this.getStmt = db.prepare('SELECT impaired, since, reason FROM prober_health WHERE id = 1');
    this.setStmt = db.prepare(`INSERT INTO prober_health (id, impaired, since, reason) VALUES (1, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET impaired = excluded.impaired, since = excluded.since, reason = excluded.reason`);
  }

  get(): ProberHealth {
    const row = this.getStmt.get() as { impaired: number; since: number; reason: string } | undefined;
    return row ? { impaired: row.impaired === 1, since: row.since, reason: row.reason } : { impaired: false, since: 0, reason: '' };
  }

  set(health: ProberHealth): void {
    this.setStmt.run(health.impaired ? 1 : 0, health.since, health.reason);
    this.onChange(); // the public page says when automated monitoring is interrupted
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { migrate } from '../../src/db/migrate.js';
import { openDatabase, type Db } from '../../src/db/open.js';

export const ACME_YAML = `
page:
  id: acme
  name: Acme Status
  url: https://status.acme.example
  time_zone: Europe/Zurich
components:
  - { id: website, name: Website, group: Public }
  - { id: api, name: API, group: Public, depends_on: [database, dns] }
  - { id: database, name: Database, group: Internal }
  - { id: dns, name: DNS, description: "acme.example through both DNS providers" }
`;

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public ms: number) {}
  readonly now = () => this.ms;
  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  clock: TestClock;
  dir: string;
  config: Config;
  close(): Promise<void>;
}

/** The real app on a real SQLite file in a fresh temporary folder; periodic refresh and settle timer off. */
export async function makeTestApp(opts: { yaml?: string; now?: number; demo?: boolean; settleMs?: number; refreshMs?: number; logger?: AppDeps['logger'] } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-test-'));
  const db = openDatabase(join(dir, 'outpost.db'));
  migrate(db);
  const clock = new TestClock(opts.now ?? Date.UTC(2026, 10, 22, 12, 0, 0));
  const config = parseConfig(opts.yaml ?? ACME_YAML, 'test.yaml', {});
  const app = await buildApp({ config, db, clock: clock.now, refreshMs: opts.refreshMs ?? 0, settleMs: opts.settleMs ?? 0, demo: opts.demo ?? false, logger: opts.logger });
  return {
    app,
    db,
    clock,
    dir,
    config,
    async close() {
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

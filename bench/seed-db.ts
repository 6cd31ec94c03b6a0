/**
 * Seeds the benchmark's data set into the SQLite file given as the first argument and prints the
 * seed summary as JSON. Run in a process of its own by serve-outpost.ts, so that the server measured
 * starts on a populated file as a deployed one does: the seeding's own allocations (hundreds of
 * writes through the store, 90 days of history) are not counted in the server's resident memory.
 */
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { benchYaml, seedBench } from './seed.js';

const file = process.argv[2];
if (!file) throw new Error('usage: seed-db <sqlite file>');
const db = openDatabase(file);
try {
  migrate(db);
  const app = await buildApp({ config: parseConfig(benchYaml(), 'bench.yaml', {}), db, refreshMs: 0 });
  const summary = seedBench(app.store, Date.now());
  await app.close();
  process.stdout.write(JSON.stringify(summary) + '\n');
} finally {
  db.close();
}

/**
 * Times one snapshot rebuild stage by stage on the benchmark's data set (50 components, 90 days,
 * 300 incidents), in this process: `npx tsx bench/rebuild-profile.ts`. For finding where a slow
 * rebuild spends its time; `npm run bench` reports the end-to-end figures.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { componentIds, benchYaml, seedBench } from './seed.js';

// PROFILE_DB=path: use (and on first use, seed) that file, and measure a fresh process serving it, as in production.
const given = process.env.PROFILE_DB;
const dir = given ? undefined : mkdtempSync(join(tmpdir(), 'outpost-profile-'));
const file = given ?? join(dir!, 'outpost.db');
const fresh = !existsSync(file);
const db = openDatabase(file);
try {
  migrate(db);
  const app = await buildApp({ config: parseConfig(benchYaml(), 'bench.yaml', {}), db, refreshMs: 0 });
  if (fresh) seedBench(app.store, Date.now());
  await app.publisher.rebuild();
  const id = componentIds().at(-1)!;
  const statuses = ['degraded_performance', 'operational'] as const;
  const build: number[] = [];
  const publish: number[] = [];
  for (let i = 0; i < 30; i++) {
    app.store.components.setStatus(id, statuses[i % 2]!, 'profile', Date.now());
    await app.publisher.idle();
    build.push(app.publisher.stats.lastBuildMs);
    publish.push(app.publisher.stats.lastPublishMs);
  }
  const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1]!.toFixed(1);
  console.log(`rebuild after a status change, 30 samples: build p50 ${p(build, 0.5)} ms p99 ${p(build, 0.99)} ms; publish p50 ${p(publish, 0.5)} ms`);
  console.log('stages of the last build (ms):', app.publisher.stats.stages);
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  console.log(`rss ${(mem.rss / 1e6).toFixed(0)} MB, heap used ${(mem.heapUsed / 1e6).toFixed(0)} of ${(mem.heapTotal / 1e6).toFixed(0)} MB, external ${(mem.external / 1e6).toFixed(0)} MB, array buffers ${(mem.arrayBuffers / 1e6).toFixed(0)} MB`);
  await app.close();
} finally {
  db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

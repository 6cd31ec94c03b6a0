import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startMonitoring, type Monitoring } from '../../src/scheduler/start.js';
import { systemClock } from '../../src/util/time.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
let monitoring: Monitoring | undefined;
let server: Server | undefined;
afterEach(async () => {
  await monitoring?.stop();
  await t?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** Polls (bounded) until the condition holds; real probes on loopback take real, short time. */
async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('probe to public page, end to end', () => {
  it('a failing loopback service turns the component red on the page, and green again', async () => {
    let status = 200;
    server = createServer((_req, res) => res.writeHead(status).end('ok'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    t = await makeTestApp({
      now: Date.now(),
      yaml: `
page: { id: acme, name: Acme, url: "https://status.acme.example" }
components:
  - { id: api, name: API }
probes:
  - { id: api, component: api, type: http, url: "http://127.0.0.1:${port}/health", interval: 1s, timeout: 900ms, fail_after: 2, recover_after: 2 }
`,
    });
    const app = t.app;
    monitoring = startMonitoring(app, t.config, systemClock);
    await until(() => (app.store.probes.states()[0]?.lastRunAt ?? 0) > 0);
    expect(app.store.components.get('api')!.status).toBe('operational');

    status = 503;
    await until(() => app.store.components.get('api')!.status === 'major_outage');
    await app.publisher.idle();
    expect((await app.inject('/api/v2/status.json')).json().status.indicator).toBe('critical');
    const cause = t.db.prepare("SELECT cause FROM component_status_events WHERE component_id = 'api' ORDER BY id DESC LIMIT 1").get();
    expect(cause).toEqual({ cause: 'probes api: http_status HTTP_503' });

    status = 200;
    await until(() => app.store.components.get('api')!.status === 'operational');
    await app.publisher.idle();
    expect((await app.inject('/api/v2/status.json')).json().status.indicator).toBe('none');
    expect(monitoring.host.lag.count).toBeGreaterThan(3);
  });
});

import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { serveParent } from './ipc.js';

/**
 * The baseline: a bare Fastify 5 server answering every GET with the same 2 KB of JSON, serialized
 * once at start. It is the ceiling for "a Fastify route that does no work" on this machine, so
 * Outpost's figures are printed as a fraction of it. Own process, like Outpost, for the same reasons.
 */

export interface BareReady {
  port: number;
  bodyBytes: number;
  rssBytes: number;
}

const BODY = (() => {
  const components: { id: string; name: string; status: string; updated_at: string }[] = [];
  let text = '';
  for (let i = 1; text.length < 2048; i++) {
    components.push({ id: `component-${i}`, name: `Component ${i}`, status: 'operational', updated_at: '2026-01-01T00:00:00.000Z' });
    text = JSON.stringify({ page: { id: 'bare', name: 'Bare' }, components });
  }
  return text;
})();

/** A copy of one of Outpost's responses (headers and body bytes), set by the parent through `mirror`. */
let mirrored: { headers: Record<string, string>; body: Buffer } | undefined;

const app = Fastify({ logger: false });
app.get('/', (_request, reply) => reply.type('application/json; charset=utf-8').send(BODY));
// The same bytes and headers as the copied response, written as Outpost's public routes write
// them: what any Fastify handler pays to send that response, without Outpost's own work.
app.get('/mirror', (_request, reply) => {
  if (!mirrored) return reply.code(404).send();
  reply.hijack();
  reply.raw.writeHead(200, mirrored.headers);
  reply.raw.end(mirrored.body);
});
await app.listen({ host: '127.0.0.1', port: 0 });

serveParent(
  { port: (app.server.address() as AddressInfo).port, bodyBytes: Buffer.byteLength(BODY), rssBytes: process.memoryUsage().rss } satisfies BareReady,
  {
    mirror: (args) => {
      const { headers, bodyBase64 } = args as { headers: Record<string, string>; bodyBase64: string };
      mirrored = { headers, body: Buffer.from(bodyBase64, 'base64') };
      return null;
    },
    info: () => {
      const cpu = process.cpuUsage();
      return { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed, cpuUs: cpu.user + cpu.system };
    },
  },
  async () => {
    await app.close();
  },
);

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from './ipc.js';

/**
 * The probes' target: a plain node:http server on 127.0.0.1 answering every request at once with
 * 200 and three bytes. Its own process (forked by bench/probes.ts), so the latency the probes measure
 * is Outpost's probe path plus a loopback round trip, never this server's event loop being shared
 * with Outpost's.
 */

export interface TargetReady {
  port: number;
}

export interface TargetInfo {
  requests: number;
  cpuUs: number;
  rssBytes: number;
}

const BODY = Buffer.from('ok\n');
let requests = 0;

const server = createServer((_request, response) => {
  requests++;
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  response.end(BODY);
});
// Each probe opens a fresh connection and closes it: a deep accept queue, short idle sockets.
server.keepAliveTimeout = 1_000;
await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));

serveParent(
  { port: (server.address() as AddressInfo).port } satisfies TargetReady,
  {
    info: (): TargetInfo => {
      const cpu = process.cpuUsage();
      return { requests, cpuUs: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() };
    },
  },
  async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  },
);

import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import type { DeliveryContext } from '../../src/announce/types.js';
import { AT } from './channel-fixtures.js';

export interface Received {
  method: string;
  /** Path and query, exactly as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An answer, or 'hang': read the request and never answer. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Receiver {
  /** http://127.0.0.1:<port> */
  origin: string;
  received: Received[];
  /** The next answers, in turn; the last one repeats. */
  replies: Reply[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, port 0, recording every request it gets. */
export async function startReceiver(...replies: Reply[]): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const state = { replies: replies.length > 0 ? replies : [{ status: 200 }] } as { replies: Reply[] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = state.replies[Math.min(received.length - 1, state.replies.length - 1)]!;
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    get replies() {
      return state.replies;
    },
    set replies(next: Reply[]) {
      state.replies = next;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const agent = new Agent({ connect: { timeout: 2_000 } });

export function context(overrides: Partial<DeliveryContext> = {}): DeliveryContext {
  return { dispatcher: agent, signal: new AbortController().signal, now: AT, idempotencyKey: 'chan:evt1', ...overrides };
}

/** Every string anywhere in a JSON value. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

import { request } from 'undici';
import type { DeliveryContext, DeliveryResult } from './types.js';

/**
 * Sending one HTTP request for a channel and classifying what came back, shared by channels so that
 * every one of them retries the same failures. Messages name status codes and error codes, never the
 * address (a Slack or Discord webhook URL is itself the secret) nor the response body.
 */

export interface HttpRequest {
  url: string;
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most MAX_RESPONSE_BYTES of it, for channels that read an id from the answer. */
  body: string;
}

const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * How a response status is treated.
 *
 *   status              outcome
 *   2xx                 delivered
 *   408, 425, 429       retry (429 honours Retry-After)
 *   5xx                 retry (503 honours Retry-After)
 *   3xx                 permanent: redirects are not followed (a moved webhook must be reconfigured)
 *   other 4xx           permanent: the request itself is wrong (bad token, unknown webhook)
 */
export function classifyStatus(status: number): 'ok' | 'retry' | 'permanent' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}

/**
 * Retry-After as delay-seconds or an HTTP-date, in milliseconds from `now`; undefined when absent or
 * unreadable. Every channel reads it here. Fractional seconds ("1.5") are taken, as some receivers send them.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date names its day and month ("Sun, 22 Nov 2026 12:01:30 GMT"); Date.parse alone takes "-5" for a year.
  if (!/^[A-Za-z]{3}, /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Sends the request with the context's dispatcher and signal; network failures come back as data, never thrown. */
export async function sendHttp(req: HttpRequest, ctx: DeliveryContext): Promise<{ ok: true; response: HttpResponse } | { ok: false; result: DeliveryResult }> {
  try {
    const res = await request(req.url, {
      method: req.method ?? 'POST',
      headers: req.headers,
      body: req.body,
      dispatcher: ctx.dispatcher,
      signal: ctx.signal,
    });
    const body = await readLimited(res.body);
    return { ok: true, response: { status: res.statusCode, headers: res.headers, body } };
  } catch (err) {
    return { ok: false, result: { ok: false, retryable: true, error: describeNetworkError(err, ctx.signal) } };
  }
}

/** The response's outcome for the outbox, by classifyStatus. */
export function resultOf(response: HttpResponse, now: number, remoteId?: string): DeliveryResult {
  const outcome = classifyStatus(response.status);
  if (outcome === 'ok') return { ok: true, status: response.status, ...(remoteId ? { remoteId } : {}) };
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now);
  const error =
    response.status >= 300 && response.status < 400
      ? `HTTP ${response.status}: redirects are not followed; check the address`
      : `HTTP ${response.status}`;
  return { ok: false, retryable: outcome === 'retry', status: response.status, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** A network failure by its code only: undici's messages can quote the host or the path. */
export function describeNetworkError(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    return reason?.name === 'TimeoutError' ? 'timed out' : 'interrupted';
  }
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out connecting';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timed out waiting for the answer';
  if (code) return `connection failed: ${code}`;
  return `connection failed: ${typeof e?.name === 'string' ? e.name : 'unknown error'}`;
}

async function readLimited(body: AsyncIterable<Buffer | string> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buf);
    size += buf.length;
    if (size >= MAX_RESPONSE_BYTES) {
      body.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES);
}

import { request } from 'undici';
import { classifyStatus, parseRetryAfter } from './http.js';
import type { DeliveryContext, DeliveryResult } from './types.js';

/**
 * The transport every chat channel shares: one POST through the outbox's dispatcher, bounded in
 * time and in how much of the answer is read, and the answer classified by the same table as the
 * generic webhook (http.ts classifyStatus: 2xx delivered; 408, 425, 429, 5xx, timeouts and
 * connection errors retryable; any other status, redirects included, permanent).
 * Errors are built from status codes, error codes and the receiver's own short message with the
 * channel's secrets cut out, never from the URL: a Slack, Discord or Teams webhook URL is itself
 * a secret.
 */

const MAX_ANSWER_BYTES = 64 * 1024;
const USER_AGENT = 'Outpost status announcements';

export interface Outgoing {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Per-request timeout from the channel's config. */
  timeoutMs: number;
  /** Values that must never appear in an error (tokens, webhook URLs and their parts). */
  secrets: string[];
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most 64 KiB of the answer, as text. */
  text: string;
}

export type Exchange = { ok: true; answer: Answer } | { ok: false; result: DeliveryResult };

/** POSTs `out`; a network failure or timeout comes back as a retryable result, never a throw. */
export async function post(out: Outgoing, ctx: DeliveryContext): Promise<Exchange> {
  const timeout = AbortSignal.timeout(out.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  try {
    const response = await request(out.url, {
      method: 'POST',
      headers: { 'user-agent': USER_AGENT, ...out.headers },
      body: out.body,
      dispatcher: ctx.dispatcher,
      signal,
    });
    const text = await readCapped(response.body, signal);
    return { ok: true, answer: { status: response.statusCode, headers: response.headers, text } };
  } catch (err) {
    const timedOut = timeout.aborted && !ctx.signal.aborted;
    const error = timedOut
      ? `no answer within ${formatSeconds(out.timeoutMs)}`
      : ctx.signal.aborted
        ? 'cancelled before an answer arrived'
        : describeNetworkError(err);
    return { ok: false, result: { ok: false, retryable: true, error } };
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (signal.aborted) break;
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_ANSWER_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

const formatSeconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the receiver',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer stalled',
  UND_ERR_CLOSED: 'connection closed',
};

/** An error code in words; the error's message is never used, as it may carry the address. */
export function describeNetworkError(err: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (NETWORK_ERRORS[code]) return `${NETWORK_ERRORS[code]} (${code})`;
      if (/^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code)) return `TLS failed (${code})`;
      if (/^[A-Z][A-Z0-9_]{2,40}$/.test(code)) return `request failed (${code})`;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return 'request failed';
}

// ---------------------------------------------------------------- classification

/** Milliseconds until a reset time given as Unix seconds (X's x-rate-limit-reset) or an ISO date (Mastodon's). */
export function resetAtMs(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const at = /^\d+$/.test(text.trim()) ? Number(text) * 1000 : Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A webhook URL and the parts of it that may authorise, for `Outgoing.secrets`: path segments and
 * query values of 16 characters or more (Slack's and Discord's tokens, Teams' `sig`), and of 8 or
 * more with a digit or a capital (a shorter token, a proxy's key); plain lower-case words such as
 * `services` or `webhooks` stay readable in a receiver's error.
 */
export function urlSecrets(url: string): string[] {
  const parsed = new URL(url);
  const parts = [
    ...parsed.pathname.split('/').map((segment) => decodeURIComponent(segment)),
    ...[...parsed.searchParams.values()],
    ...[parsed.username, parsed.password].map((part) => decodeURIComponent(part)),
  ].filter((part) => part.length >= 16 || (part.length >= 8 && /[0-9A-Z]/.test(part)));
  return [url, ...parts];
}

/** Replaces every secret (and its URL-encoded form) in `text`. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[redacted]');
  }
  return out;
}

/** A receiver's own short reason: Slack's "no_service", Discord's and Mastodon's JSON messages, X's problem detail. */
export function receiverReason(text: string, secrets: string[]): string {
  let reason = text.trim();
  try {
    const json = JSON.parse(reason) as Record<string, unknown>;
    const pick = [json.detail, json.error_description, json.message, json.error, json.title].find((v) => typeof v === 'string' && v.trim() !== '');
    reason = typeof pick === 'string' ? pick : '';
    const errors = json.errors;
    if (!reason && Array.isArray(errors) && errors[0] && typeof errors[0] === 'object') {
      const first = errors[0] as Record<string, unknown>;
      reason = String(first.message ?? first.detail ?? '');
    }
  } catch {
    // not JSON: the text itself, if it is short and not a page of HTML
    if (/^\s*</.test(reason)) reason = '';
  }
  reason = redact(reason, secrets)
    .replace(/https?:\/\/\S+/g, '[url]')
    .replace(/\s+/g, ' ')
    .trim();
  return reason.length > 160 ? `${reason.slice(0, 159)}…` : reason;
}

export interface ClassifyOptions {
  /** When the receiver says to come back; by default from Retry-After. */
  retryAfter?: (answer: Answer, now: number) => number | undefined;
  secrets: string[];
  /** The receiver's name in error messages ("Slack"). */
  receiver: string;
}

export function classify(answer: Answer, now: number, options: ClassifyOptions): DeliveryResult {
  const { status } = answer;
  const outcome = classifyStatus(status);
  if (outcome === 'ok') return { ok: true, status };
  const reason = receiverReason(answer.text, options.secrets);
  const error = `${options.receiver} answered HTTP ${status}${reason ? `: ${reason}` : ''}`;
  if (outcome === 'permanent') return { ok: false, retryable: false, status, error };
  const wait = (options.retryAfter ?? ((a, n) => parseRetryAfter(a.headers['retry-after'], n)))(answer, now);
  return wait === undefined ? { ok: false, retryable: true, status, error } : { ok: false, retryable: true, status, error, retryAfterMs: wait };
}

/** Parses a JSON answer, or undefined. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface JsonDelivery extends ClassifyOptions {
  url: string;
  headers: Record<string, string>;
  /** Sent as JSON.stringify(payload). */
  payload: unknown;
  timeoutMs: number;
  /** The receiver's own reading of an answer before it is classified (Teams' status embedded in a 200). */
  answer?: (answer: Answer) => Answer;
  /** An answer that counts as delivered whatever its status says (X's refusal of a post it already has). */
  delivered?: (answer: Answer) => boolean;
  /** Where the receiver's id for the sent message sits in its JSON answer, kept to thread later updates. */
  remoteId?: (json: unknown) => unknown;
}

/**
 * The whole exchange every chat channel has: POST the payload as JSON, classify the answer, and on
 * success keep the remote id when the answer names one. A channel keeps only what is its own.
 */
export async function deliverJson(delivery: JsonDelivery, ctx: DeliveryContext): Promise<DeliveryResult> {
  const { url, headers, payload, timeoutMs, secrets } = delivery;
  const exchange = await post({ url, headers, body: JSON.stringify(payload), timeoutMs, secrets }, ctx);
  if (!exchange.ok) return exchange.result;
  const answer = delivery.answer ? delivery.answer(exchange.answer) : exchange.answer;
  if (delivery.delivered?.(answer)) return { ok: true, status: answer.status };
  const result = classify(answer, ctx.now, delivery);
  if (!result.ok || !delivery.remoteId) return result;
  const remoteId = delivery.remoteId(parseJson(answer.text));
  return typeof remoteId === 'string' ? { ...result, remoteId } : result;
}

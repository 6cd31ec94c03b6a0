import net from 'node:net';
import type { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { Client, type Dispatcher, errors } from 'undici';
import { z } from 'zod';
import { duration, formatDuration } from '../config/duration.js';
import { ipVersion, probeBase } from './base-schema.js';
import { abortable, type HopTrace, type LookupFn, type Stage, systemLookup, timedConnector } from './http-connect.js';
import { type FailureLayer, type PhaseTimings, type ProbeContext, type ProbeKind, type ProbeResult, result } from './types.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const MIB = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Sent only to the configured origin: a redirect elsewhere must not carry the operator's secrets. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const USER_AGENT = 'Outpost status probe';

// ---------------------------------------------------------------- config

export interface StatusRange {
  min: number;
  max: number;
}

/** 200, "404" or "200-299" to a range; undefined when it is none of those within 100-599. */
export function parseStatusRange(value: number | string): StatusRange | undefined {
  const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(String(value).trim());
  if (!match) return undefined;
  const min = Number(match[1]);
  const max = Number(match[2] ?? match[1]);
  return min >= 100 && max <= 599 && min <= max ? { min, max } : undefined;
}

const formatStatus = (ranges: StatusRange[]) => ranges.map(({ min, max }) => (min === max ? `${min}` : `${min}-${max}`)).join(', ');

/** "$.status.indicator", "$.items[0].ok" to its segments; undefined when it is not such a path. */
export function parseJsonPath(path: string): Array<string | number> | undefined {
  if (!/^\$(?:\.[A-Za-z_][\w-]*|\[\d+\])*$/.test(path)) return undefined;
  return [...path.matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
}

const STATUS_EXPECTED = 'expected a status code 100-599 or a range such as "200-299"';
const JSON_PATH_EXPECTED = 'expected a JSON path such as "$.status.indicator" or "$.items[0].ok" (names after dots, [index] for arrays)';
const URL_EXPECTED = 'expected an absolute http:// or https:// URL';

const statusItem = z.union([z.number(), z.string()], { error: STATUS_EXPECTED }).transform((value, ctx) => {
  const range = parseStatusRange(value);
  if (range) return range;
  ctx.addIssue({ code: 'custom', message: `${STATUS_EXPECTED}, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

const regexSource = z.string({ error: 'expected a regular expression' }).superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `expected a valid regular expression: ${(err as Error).message}` });
  }
});

const intBetween = (min: number, max: number, what: string) => {
  const message = `expected ${what}: a whole number from ${min} to ${max}`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
};

const httpUrl = z
  .string({ error: URL_EXPECTED })
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), URL_EXPECTED)
  .refine((text) => !URL.canParse(text) || (!new URL(text).username && !new URL(text).password), 'expected a URL without user:password (send credentials in headers)');

const jsonValue = z.json();

const expectSchema = z.strictObject({
  status: z.array(statusItem, { error: 'expected a list of status codes or ranges' }).min(1, 'expected at least one status code or range').prefault(['200-299']),
  body_contains: z.string({ error: 'expected the text the body must contain' }).min(1, 'expected non-empty text').optional(),
  body_regex: regexSource.optional(),
  json_path: z
    .strictObject({
      path: z.string({ error: JSON_PATH_EXPECTED }).refine((path) => parseJsonPath(path) !== undefined, JSON_PATH_EXPECTED),
      equals: z.custom<z.output<typeof jsonValue>>((value) => jsonValue.safeParse(value).success, 'expected the JSON value to find at path (null included)'),
    })
    .optional(),
  max_latency: duration({ min: 1, max: 120_000 }).optional(),
});

export const httpProbeSchema = probeBase
  .extend({
    type: z.literal('http'),
    url: httpUrl,
    method: z.enum(METHODS, { error: `expected one of ${METHODS.join(', ')}` }).default('GET'),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected a header name'),
        z.string({ error: 'expected a header value string' }).regex(/^[^\r\n\0]*$/, 'expected a header value on one line'),
        { error: 'expected a map of header names to values' },
      )
      .optional(),
    body: z.string({ error: 'expected the request body as a string' }).optional(),
    follow_redirects: intBetween(0, 20, 'the number of redirects to follow').default(5),
    tls_verify: z.boolean({ error: 'expected true or false' }).default(true),
    ip_version: ipVersion,
    max_body_bytes: intBetween(0, 16 * MIB, 'a body size in bytes').default(MIB),
    expect: expectSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const family = URL.canParse(config.url) ? net.isIP(new URL(config.url).hostname.replace(/^\[(.*)\]$/, '$1')) : 0;
    if (family !== 0 && config.ip_version !== 'any' && config.ip_version !== family) {
      ctx.addIssue({ code: 'custom', path: ['ip_version'], message: `expected ip_version ${family} or any for an IPv${family} address in url` });
    }
  });

export type HttpProbeConfig = z.infer<typeof httpProbeSchema>;
type Expectations = HttpProbeConfig['expect'];

// ---------------------------------------------------------------- run

/** Everything one run learns, hop by hop; a failure reports what is here at that moment. */
interface RunState {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  redirects: number;
  trace: HopTrace;
  hopStarted: number;
  firstByteMs?: number;
  statusCode?: number;
  client?: Client;
}

interface Answer {
  statusCode: number;
  body: Buffer;
  truncated: boolean;
  tooManyRedirects: boolean;
}

/** The probe with its lookup injectable (tests resolve names without the network). */
export function createHttpProbe(deps: { lookup?: LookupFn } = {}): ProbeKind<HttpProbeConfig> {
  const lookup = deps.lookup ?? systemLookup;
  return { type: 'http', schema: httpProbeSchema, run: (config, ctx) => runHttp(config, ctx, lookup) };
}

export const httpProbe: ProbeKind<HttpProbeConfig> = createHttpProbe();

async function runHttp(config: HttpProbeConfig, ctx: ProbeContext, lookup: LookupFn): Promise<ProbeResult> {
  const { signal, release } = deadline(ctx.signal, config.timeout);
  const started = performance.now();
  const state: RunState = {
    url: new URL(config.url),
    method: config.method,
    headers: withUserAgent(config.headers ?? {}),
    body: config.body,
    redirects: 0,
    trace: { stage: 'dns' },
    hopStarted: started,
  };
  try {
    const work = exchange(config, state, lookup, signal);
    work.catch(() => {}); // abandoned when the deadline wins; its failure no longer matters
    const answer = await abortable<Answer>(signal, (resolve, reject) => (work.then(resolve, reject), () => {}));
    return judge(config, state, answer, phasesOf(state, started));
  } catch (err) {
    return failure(config, state, err, signal.aborted, phasesOf(state, started));
  } finally {
    release();
    closeClient(state);
  }
}

/** Aborts at the timeout or with the context. Not AbortSignal.any: that keeps state on the long-lived context signal. */
function deadline(outer: AbortSignal, timeoutMs: number): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort(outer.reason);
  const timer = setTimeout(() => controller.abort(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
  if (outer.aborted) abort();
  else outer.addEventListener('abort', abort, { once: true });
  return { signal: controller.signal, release: () => (clearTimeout(timer), outer.removeEventListener('abort', abort)) };
}

/** Sends the request and follows redirects, one fresh connection per hop. */
async function exchange(config: HttpProbeConfig, state: RunState, lookup: LookupFn, signal: AbortSignal): Promise<Answer> {
  for (;;) {
    const response = await sendOnce(config, state, lookup, signal);
    const next = config.follow_redirects > 0 ? redirectTarget(response, state.url) : undefined;
    if (!next) {
      state.trace.stage = 'body';
      const read = state.method === 'HEAD' ? { body: Buffer.alloc(0), truncated: false } : await readCapped(response.body, config.max_body_bytes);
      return { statusCode: response.statusCode, ...read, tooManyRedirects: false };
    }
    discard(response.body);
    closeClient(state);
    if (state.redirects >= config.follow_redirects) return { statusCode: response.statusCode, body: Buffer.alloc(0), truncated: false, tooManyRedirects: true };
    follow(state, next, response.statusCode);
  }
}

async function sendOnce(config: HttpProbeConfig, state: RunState, lookup: LookupFn, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  signal.throwIfAborted(); // an abandoned run must not open another connection
  state.trace = { stage: 'dns' };
  state.hopStarted = performance.now();
  state.firstByteMs = state.statusCode = undefined;
  const family = config.ip_version === 'any' ? 0 : config.ip_version;
  const connect = timedConnector({ family, tlsVerify: config.tls_verify, lookup, trace: state.trace, signal });
  state.client = new Client(state.url.origin, { connect });
  const { pathname, search } = state.url;
  const response = await state.client.request({ path: pathname + search, method: state.method as Dispatcher.HttpMethod, headers: state.headers, body: state.body, signal });
  state.firstByteMs = performance.now() - state.hopStarted;
  state.statusCode = response.statusCode;
  return response;
}

function closeClient(state: RunState): void {
  state.client?.destroy().catch(() => {});
  state.client = undefined;
}

function withUserAgent(headers: Record<string, string>): Record<string, string> {
  return Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent') ? { ...headers } : { ...headers, 'user-agent': USER_AGENT };
}

function redirectTarget(response: Dispatcher.ResponseData, current: URL): URL | undefined {
  const location = response.headers.location;
  if (!REDIRECT_STATUSES.has(response.statusCode) || typeof location !== 'string' || !URL.canParse(location, current.href)) return undefined;
  const next = new URL(location, current);
  return next.protocol === 'http:' || next.protocol === 'https:' ? next : undefined;
}

/** As browsers do: 303 (and 301/302 after POST) turn into a GET without body; credentials stay with their origin. */
function follow(state: RunState, next: URL, statusCode: number): void {
  const toGet = statusCode === 303 ? state.method !== 'HEAD' : (statusCode === 301 || statusCode === 302) && state.method === 'POST';
  const drop = new Set([...(toGet ? ['content-type', 'content-length'] : []), ...(next.origin !== state.url.origin ? CREDENTIAL_HEADERS : [])]);
  state.headers = Object.fromEntries(Object.entries(state.headers).filter(([name]) => !drop.has(name.toLowerCase())));
  if (toGet) [state.method, state.body] = ['GET', undefined];
  state.url = next;
  state.redirects += 1;
}

/** Reads at most `max` bytes, then stops the transfer: a huge or endless body costs no more than that. */
export async function readCapped(body: Readable, max: number): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (chunk.length > max - size) {
      chunks.push(chunk.subarray(0, max - size));
      discard(body);
      return { body: Buffer.concat(chunks, max), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks, size), truncated: false };
}

/** undici's body reports its own destruction as an error; nobody is listening for it any more. */
function discard(body: Readable): void {
  body.on('error', () => {}).destroy();
}

const ms = (value: number) => Math.round(value * 100) / 100;

/** dns, connect and tls are durations of the last hop; firstByte counts from that hop's start; total covers every hop. */
function phasesOf(state: RunState, started: number): PhaseTimings {
  const { dnsMs, connectMs, tlsMs } = state.trace;
  const phases: PhaseTimings = { totalMs: ms(performance.now() - started) };
  for (const [key, value] of Object.entries({ dnsMs, connectMs, tlsMs, firstByteMs: state.firstByteMs })) {
    if (value !== undefined) phases[key as keyof PhaseTimings] = ms(value);
  }
  return phases;
}

// ---------------------------------------------------------------- judging

function judge(config: HttpProbeConfig, state: RunState, answer: Answer, phases: PhaseTimings): ProbeResult {
  const fields = { latencyMs: phases.totalMs, statusCode: answer.statusCode, phases };
  const request = state.redirects > 0 ? `${state.method} ${shownUrl(state.url)} after ${state.redirects} redirect(s)` : state.method;
  if (answer.tooManyRedirects) {
    return result('down', `more than ${config.follow_redirects} redirects from ${config.method} ${shownUrl(new URL(config.url))}, the last to ${shownUrl(state.url)}`, { ...fields, layer: 'http_status', code: 'TOO_MANY_REDIRECTS' });
  }
  const { status, max_latency } = config.expect;
  if (!status.some(({ min, max }) => answer.statusCode >= min && answer.statusCode <= max)) {
    return result('down', `HTTP ${answer.statusCode} from ${request} (expected ${formatStatus(status)})`, { ...fields, layer: 'http_status', code: `HTTP_${answer.statusCode}` });
  }
  const failed = checkBody(config.expect, answer.body);
  if (failed) {
    const note = answer.truncated ? ` (body truncated at ${answer.body.length} bytes)` : '';
    return result('down', `${failed.message}${note}`, { ...fields, layer: 'assertion', code: failed.code });
  }
  const truncated = answer.truncated ? `, body truncated at ${answer.body.length} bytes` : '';
  if (max_latency !== undefined && phases.totalMs > max_latency) {
    return result('degraded', `HTTP ${answer.statusCode} in ${Math.round(phases.totalMs)} ms, over max_latency ${formatDuration(max_latency)}${truncated}`, fields);
  }
  return result('up', `HTTP ${answer.statusCode} in ${Math.round(phases.totalMs)} ms${truncated}`, fields);
}

interface Mismatch {
  code: 'BODY_MISSING_TEXT' | 'BODY_REGEX_MISMATCH' | 'BODY_NOT_JSON' | 'JSON_PATH_MISMATCH';
  message: string;
}

export function checkBody(expect: Expectations, body: Buffer): Mismatch | undefined {
  if (expect.body_contains === undefined && expect.body_regex === undefined && !expect.json_path) return undefined;
  const text = body.toString('utf8');
  if (expect.body_contains !== undefined && !text.includes(expect.body_contains)) {
    return { code: 'BODY_MISSING_TEXT', message: `body does not contain ${preview(expect.body_contains)}` };
  }
  if (expect.body_regex !== undefined && !new RegExp(expect.body_regex).test(text)) {
    return { code: 'BODY_REGEX_MISMATCH', message: `body does not match /${expect.body_regex}/` };
  }
  return expect.json_path ? checkJsonPath(expect.json_path.path, expect.json_path.equals, text) : undefined;
}

function checkJsonPath(path: string, equals: unknown, text: string): Mismatch | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { code: 'BODY_NOT_JSON', message: `body is not JSON (expected ${path} to be ${preview(equals)})` };
  }
  const found = valueAt(document, parseJsonPath(path) ?? []);
  if (found.ok && isDeepStrictEqual(found.value, equals)) return undefined;
  const got = found.ok ? `is ${preview(found.value)}` : 'is missing';
  return { code: 'JSON_PATH_MISMATCH', message: `${path} ${got} (expected ${preview(equals)})` };
}

function valueAt(document: unknown, segments: Array<string | number>): { ok: true; value: unknown } | { ok: false } {
  let value = document;
  for (const segment of segments) {
    const holds =
      typeof segment === 'number'
        ? Array.isArray(value) && segment < value.length
        : typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, segment);
    if (!holds) return { ok: false };
    value = (value as Record<string | number, unknown>)[segment];
  }
  return { ok: true, value };
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// ---------------------------------------------------------------- failures

const WAITING_FOR: Record<Stage, string> = {
  dns: 'resolving the name',
  connect: 'connecting',
  tls: 'in the TLS handshake',
  headers: 'waiting for the response headers',
  body: 'reading the body',
};

function failure(config: HttpProbeConfig, state: RunState, err: unknown, aborted: boolean, phases: PhaseTimings): ProbeResult {
  const fields = { latencyMs: null, phases, ...(state.statusCode !== undefined ? { statusCode: state.statusCode } : {}) };
  if (aborted) {
    const message = `no complete answer within ${formatDuration(config.timeout)} (${WAITING_FOR[state.trace.stage]})`;
    return result('down', message, { ...fields, layer: 'timeout', code: 'ETIMEDOUT' });
  }
  const { layer, code, message } = classify(err, state);
  return result('down', message, { ...fields, layer, code });
}

/** Where the connector saw the failure; otherwise an error from undici after the connection was made. */
function classify(err: unknown, state: RunState): { layer: FailureLayer; code: string; message: string } {
  const host = state.url.hostname;
  const seen = state.trace.failure;
  if (seen?.layer === 'dns') return { ...seen, message: `DNS lookup of ${host} failed (${seen.code})` };
  if (seen?.layer === 'connect') return { ...seen, message: `TCP connect to ${state.url.host} failed (${seen.code})` };
  if (seen?.layer === 'tls') return { ...seen, message: `TLS handshake with ${host} failed: ${seen.message} (${seen.code})` };
  // Only the code: undici's own messages may quote request headers.
  const code = (err as { code?: unknown })?.code;
  // undici 7 leaves the code of a parser error undefined (it looks the llhttp error name up by number).
  const raw = typeof code === 'string' ? code : err instanceof errors.HTTPParserError ? 'INVALID_HTTP_RESPONSE' : 'UNKNOWN';
  const layer: FailureLayer = err instanceof errors.HTTPParserError || raw === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ? 'http_status' : 'connect';
  const what = layer === 'http_status' ? 'an invalid HTTP response' : 'a connection failure';
  return { layer, code: raw, message: `${state.method} ${shownUrl(state.url)}: ${what} while ${WAITING_FOR[state.trace.stage]} (${raw})` };
}

/**
 * A URL for a result message, which the admin's probe view shows to every editor: query values
 * (where tokens like ?token=... travel) and any user:password are left out.
 */
export function shownUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  for (const key of new Set(shown.searchParams.keys())) shown.searchParams.set(key, '...');
  return shown.href.replace(/=\.\.\./g, '=…');
}

import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { weighText, X_RULES } from '../../src/announce/fit.js';
import { createXChannel, oauthHeader, xSchema, tweetsUrl } from '../../src/announce/x.js';
import { agent, context, type Receiver, startReceiver } from './channel-receiver.js';
import { AT, HOSTILE_BODY, HOSTILE_NAME, incidentAnnouncement } from './channel-fixtures.js';

// ---------------------------------------------------------------- an independent verifier (RFC 5849)

/** RFC 3986 percent-encoding as RFC 5849 section 3.6 wants it: only unreserved characters stay. */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function parseAuthorization(header: string): Record<string, string> {
  expect(header.startsWith('OAuth ')).toBe(true);
  const params: Record<string, string> = {};
  for (const m of header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)) params[m[1]!] = decodeURIComponent(m[2]!);
  return params;
}

/** RFC 5849 3.4: base string from method, base URI, and every oauth_* (but the signature), query and form parameter. */
function expectedSignature(method: string, url: string, oauth: Record<string, string>, form: Record<string, string>, consumerSecret: string, tokenSecret: string): string {
  const u = new URL(url);
  const pairs: Array<[string, string]> = [
    ...Object.entries(oauth).filter(([k]) => k !== 'oauth_signature' && k !== 'realm'),
    ...[...u.searchParams.entries()],
    ...Object.entries(form),
  ].map(([k, v]) => [encode(k), encode(v)]);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const baseUri = `${u.protocol}//${u.host}${u.pathname}`;
  const base = [method.toUpperCase(), encode(baseUri), encode(pairs.map(([k, v]) => `${k}=${v}`).join('&'))].join('&');
  return createHmac('sha1', `${encode(consumerSecret)}&${encode(tokenSecret)}`).update(base).digest('base64');
}

// X's "Creating a signature" worked example (developer.x.com, OAuth 1.0a). The documented signature
// was computed with the example's original host, api.twitter.com.
const DOC = {
  url: 'https://api.twitter.com/1.1/statuses/update.json?include_entities=true',
  form: { status: 'Hello Ladies + Gentlemen, a signed OAuth request!' },
  consumerKey: 'xvz1evFS4wEEPTGEFPHBog',
  consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
  token: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb',
  tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
  nonce: 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg',
  timestamp: 1318622958,
  signature: 'hCtSmYh+iHYCEqBWrE7C7hYmtUk=',
};

describe('OAuth 1.0a signing', () => {
  it("reproduces the signature of X's documented example", () => {
    const header = oauthHeader(
      { method: 'POST', url: DOC.url, form: DOC.form },
      { consumerKey: DOC.consumerKey, consumerSecret: DOC.consumerSecret, token: DOC.token, tokenSecret: DOC.tokenSecret },
      DOC.timestamp * 1000,
      DOC.nonce,
    );
    const params = parseAuthorization(header);
    expect(params).toEqual({
      oauth_consumer_key: DOC.consumerKey,
      oauth_nonce: DOC.nonce,
      oauth_signature: DOC.signature,
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: String(DOC.timestamp),
      oauth_token: DOC.token,
      oauth_version: '1.0',
    });
    expect(header).toContain('oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"');
  });

  it("the test's own verifier agrees with the documented example (so it can judge the channel)", () => {
    const { oauth_signature: _, ...oauth } = {
      oauth_consumer_key: DOC.consumerKey,
      oauth_nonce: DOC.nonce,
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: String(DOC.timestamp),
      oauth_token: DOC.token,
      oauth_version: '1.0',
      oauth_signature: '',
    };
    expect(expectedSignature('POST', DOC.url, oauth, DOC.form, DOC.consumerSecret, DOC.tokenSecret)).toBe(DOC.signature);
  });

  it('a different secret gives a different signature (the check can fail)', () => {
    const creds = { consumerKey: 'k', consumerSecret: 's', token: 't', tokenSecret: 'ts' };
    const a = parseAuthorization(oauthHeader({ method: 'POST', url: 'https://api.x.com/2/tweets' }, creds, AT, 'n'));
    const b = parseAuthorization(oauthHeader({ method: 'POST', url: 'https://api.x.com/2/tweets' }, { ...creds, tokenSecret: 'other' }, AT, 'n'));
    expect(a.oauth_signature).not.toBe(b.oauth_signature);
  });
});

describe('tweetsUrl', () => {
  it.each([
    ['https://api.x.com', 'https://api.x.com/2/tweets'],
    ['https://api.x.com/', 'https://api.x.com/2/tweets'],
    ['https://proxy.example/x-api', 'https://proxy.example/x-api/2/tweets'],
  ])('%s', (base, expected) => expect(tweetsUrl(base)).toBe(expected));
});

describe('X channel against a receiver', () => {
  let receiver: Receiver;
  const keys = { consumer_key: 'ck-abc', consumer_secret: 'cs-SECRET-consumer', access_token: '1234-token', access_token_secret: 'ats-SECRET-token' };
  const channel = () => createXChannel(xSchema.parse({ id: 'x', type: 'x', api_base: receiver.origin, ...keys }));

  beforeEach(async () => {
    receiver = await startReceiver({ status: 201, headers: { 'content-type': 'application/json' }, body: '{"data":{"id":"1790000000000000001","text":"…"}}' });
  });
  afterEach(() => receiver.close());
  afterAll(() => agent.close());

  it('POSTs /2/tweets with JSON and a valid OAuth 1.0a signature; the tweet id comes back', async () => {
    const result = await channel().deliver(incidentAnnouncement(), context());
    expect(result).toEqual({ ok: true, status: 201, remoteId: '1790000000000000001' });

    expect(receiver.received).toHaveLength(1);
    const req = receiver.received[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/2/tweets');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      text:
        '[Investigating] API latency\n\nWe are looking into slow responses (https://status.acme.com/x).\n\n' +
        'Affected: API: Partial outage, Website: Degraded performance\nhttps://status.acme.com/incidents/inc1',
    });

    const oauth = parseAuthorization(String(req.headers.authorization));
    expect(oauth).toMatchObject({ oauth_consumer_key: 'ck-abc', oauth_token: '1234-token', oauth_signature_method: 'HMAC-SHA1', oauth_version: '1.0', oauth_timestamp: String(Math.floor(AT / 1000)) });
    expect(oauth.oauth_nonce).toMatch(/^[0-9a-f]{32}$/);
    // Verified as X would: the JSON body is not part of the base string.
    const url = `${receiver.origin}${req.url}`;
    expect(oauth.oauth_signature).toBe(expectedSignature('POST', url, oauth, {}, keys.consumer_secret, keys.access_token_secret));
    expect(oauth.oauth_signature).not.toBe(expectedSignature('POST', url, oauth, {}, keys.consumer_secret, 'wrong'));
  });

  it('a fresh nonce every request', async () => {
    await channel().deliver(incidentAnnouncement(), context());
    await channel().deliver(incidentAnnouncement(), context());
    const [a, b] = receiver.received.map((r) => parseAuthorization(String(r.headers.authorization)).oauth_nonce);
    expect(a).not.toBe(b);
  });

  it('a later update of the incident is a reply to the previous post', async () => {
    await channel().deliver(incidentAnnouncement(), context({ replyTo: '1790000000000000001' }));
    expect(JSON.parse(receiver.received[0]!.body).reply).toEqual({ in_reply_to_tweet_id: '1790000000000000001' });
  });

  it('a long, hostile update is fitted to 280 and stays plain text without mentions', async () => {
    const a = incidentAnnouncement({ name: HOSTILE_NAME, update: { id: 'u', status: 'identified', body: `${HOSTILE_BODY}\n\n${'More detail. '.repeat(60)}`, at: AT } });
    await channel().deliver(a, context());
    const { text } = JSON.parse(receiver.received[0]!.body) as { text: string };
    expect(weighText(text, X_RULES)).toBeLessThanOrEqual(280);
    expect(text).not.toMatch(/(^|[^\p{L}\p{N}_])@[\p{L}\p{N}_]/u);
    expect(text.endsWith('https://status.acme.com/incidents/inc1')).toBe(true);
  });

  it('a 503 is retried by the outbox\'s backoff, not held until the rate-limit window resets (X sends the header on every answer)', async () => {
    receiver.replies = [{ status: 503, headers: { 'x-rate-limit-reset': String(Math.floor(AT / 1000) + 900) }, body: '{"title":"Service Unavailable"}' }];
    const result = await channel().deliver(incidentAnnouncement(), context());
    expect(result).toMatchObject({ ok: false, retryable: true, status: 503 });
    expect(result.ok ? undefined : result.retryAfterMs).toBeUndefined();
  });

  it('a duplicate refused by X counts as delivered: after a crash, the retry of a post already out gets this answer', async () => {
    receiver.replies = [{ status: 403, body: '{"detail":"You are not allowed to create a Tweet with duplicate content.","status":403}' }];
    expect(await channel().deliver(incidentAnnouncement(), context())).toEqual({ ok: true, status: 403 });
  });

  it.each([
    ['429 with x-rate-limit-reset', { status: 429, headers: { 'x-rate-limit-reset': String(Math.floor(AT / 1000) + 90) }, body: '{"title":"Too Many Requests","detail":"Too Many Requests"}' }, { retryable: true, status: 429, retryAfterMs: 90_000 }],
    [
      '429 at the 24-hour posting cap: its reset, not the 15-minute window',
      { status: 429, headers: { 'x-rate-limit-reset': String(Math.floor(AT / 1000) + 90), 'x-user-limit-24hour-reset': String(Math.floor(AT / 1000) + 7200) }, body: '{"title":"Too Many Requests"}' },
      { retryable: true, status: 429, retryAfterMs: 7_200_000 },
    ],
    ['401 bad keys', { status: 401, body: '{"title":"Unauthorized","detail":"Unauthorized","type":"about:blank","status":401}' }, { retryable: false, status: 401 }],
    ['403 forbidden', { status: 403, body: '{"detail":"You are not permitted to perform this action.","status":403}' }, { retryable: false, status: 403 }],
  ])('%s', async (_name, reply, expected) => {
    receiver.replies = [reply];
    const result = await channel().deliver(incidentAnnouncement(), context());
    expect(result).toMatchObject({ ok: false, ...expected });
    if (!result.ok) for (const secret of Object.values(keys)) expect(result.error).not.toContain(secret);
  });
});

import { describe, expect, it } from 'vitest';
import { fitPost, fitTweet, mastodonRules, type PostParts, shorten, weighText, X_RULES } from '../../src/announce/fit.js';

const URL = 'https://status.acme.com/incidents/01HXYZ';

const parts = (over: Partial<PostParts> = {}): PostParts => ({
  test: false,
  statusLabel: 'Investigating',
  title: 'API latency',
  body: 'We are looking into slow responses.',
  components: 'API: Partial outage',
  window: '',
  url: URL,
  ...over,
});

describe('weighText', () => {
  it.each([
    ['ASCII', 'hello', 5, 5],
    ['a URL with a real domain counts 23', 'https://status.acme.com/incidents/a-very-long-identifier-here', 23, 23],
    ['a short URL counts 23 too', 'https://a.co', 23, 23],
    ['a URL keeps trailing punctuation outside', 'see https://acme.com/x.', 4 + 23 + 1, 4 + 23 + 1],
    ['a bare domain counts at least 23', 'status.acme.com', 23, 23],
    ['a URL without a top-level domain counts its length if longer', `http://localhost:3000/${'x'.repeat(30)}`, 52, 52],
    ['an e-mail address is not a link', 'ops@acme', 8, 8],
    ['accented Latin counts 1', 'café', 4, 4],
    ['CJK counts 2 on X', '障害', 4, 2],
    ['an emoji counts 2 on X', '🔥', 2, 1],
    ['a ZWJ emoji sequence: 2 per pictograph (X counts 2 in all: over, never under)', '👩‍💻', 5, 3],
    ['decomposed text is counted as NFC', 'cafe\u0301', 4, 4],
    ['the word joiner that defuses mentions', '@\u2060x', 4, 3],
  ])('%s', (_name, text, onX, onMastodon) => {
    expect(weighText(text, X_RULES)).toBe(onX);
    expect(weighText(text, mastodonRules())).toBe(onMastodon);
  });
});

describe('shorten', () => {
  it.each([
    ['fits whole', 'one two three', 20, 'one two three'],
    ['zero is empty', 'one two', 0, ''],
    ['cut at a word', 'one two three', 9, 'one two…'],
    ['cut exactly at a space', 'one two three', 7, 'one two…'],
    ['a long word is cut inside', 'a'.repeat(50), 10, `${'a'.repeat(10)}…`],
    ['never half a URL', 'see https://acme.com/a/very/long/path here', 20, 'see…'],
    ['code points, not UTF-16 units', '😀😀😀😀', 2, '😀😀…'],
  ])('%s', (_name, text, n, expected) => {
    expect(shorten(text, n)).toBe(expected);
  });
});

describe('fitTweet', () => {
  it('leaves a short post whole', () => {
    expect(fitTweet(parts())).toBe(`[Investigating] API latency\n\nWe are looking into slow responses.\n\nAffected: API: Partial outage\n${URL}`);
  });

  it.each([
    ['a long body', parts({ body: 'word '.repeat(200).trim() })],
    ['a long body with links', parts({ body: Array.from({ length: 40 }, (_, i) => `see https://acme.com/${i}`).join(' ') })],
    ['a long name', parts({ title: 'Very long incident name '.repeat(20).trim() })],
    ['a long name and body', parts({ title: 'N'.repeat(400), body: 'B'.repeat(400) })],
    ['many components', parts({ components: Array.from({ length: 60 }, (_, i) => `Component ${i}: Major outage`).join(', ') })],
    ['CJK body', parts({ body: '障害が発生しています。'.repeat(40) })],
    ['emoji body', parts({ body: '🔥'.repeat(300) })],
    ['mixed scripts', parts({ title: 'Ошибка API 接続', body: 'Нарушение работы. '.repeat(30) + '接続エラー。'.repeat(30) })],
    ['a maintenance window', parts({ window: '24 Nov 2026, 23:00 CET – 25 Nov 2026, 01:00 CET', body: 'x '.repeat(300) })],
    ['a test post', parts({ test: true, body: 'y '.repeat(300) })],
  ])('%s: at most 280 as X counts, status and link kept', (_name, input) => {
    const text = fitTweet(input);
    expect(weighText(text, X_RULES)).toBeLessThanOrEqual(280);
    expect(text).toContain(`[${input.statusLabel}]`);
    expect(text.endsWith(URL)).toBe(true);
    if (input.window) expect(text).toContain(input.window);
    if (input.test) expect(text.startsWith('[Test] ')).toBe(true);
  });

  it('shortens the body before the name, and the name only when it must', () => {
    const text = fitTweet(parts({ title: 'Checkout errors', body: 'word '.repeat(200).trim() }));
    expect(text).toContain('[Investigating] Checkout errors\n');
    expect(text).toMatch(/word…\n/);
    const long = fitTweet(parts({ title: 'T'.repeat(400), body: 'body' }));
    expect(long).not.toContain('body');
    expect(long).toMatch(/T+…/);
  });

  it('uses the room it has: a shortened post is within a few characters of the limit', () => {
    const text = fitTweet(parts({ body: 'abcd '.repeat(200).trim() }));
    expect(weighText(text, X_RULES)).toBeGreaterThan(270);
  });

  it('a URL in the body counts 23 whatever its length, so long links cost no more', () => {
    const long = `https://acme.com/${'p'.repeat(200)}`;
    const text = fitTweet(parts({ body: `details: ${long}` }));
    expect(text).toContain(long);
  });
});

describe('fitPost for Mastodon', () => {
  it.each([
    ['500 by default', mastodonRules(), 500],
    ['a larger instance limit', mastodonRules(1000), 1000],
  ])('%s', (_name, rules, limit) => {
    const text = fitPost(parts({ body: 'word '.repeat(400).trim() }), rules);
    expect(weighText(text, rules)).toBeLessThanOrEqual(limit);
    expect(weighText(text, rules)).toBeGreaterThan(limit - 10);
    expect(text.endsWith(URL)).toBe(true);
  });

  it('an absurdly small limit still gives a post within it', () => {
    const rules = { limit: 30, weigh: () => 1 };
    expect(weighText(fitPost(parts(), rules), rules)).toBeLessThanOrEqual(30);
  });
});

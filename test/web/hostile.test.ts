import { parseFeed } from '@rowanmanning/feed-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.js';

const NAME = '<script>alert(1)</script> ]]> ]]> & "quotes"';
const BODY = [
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">raw link</a>',
  '[md link](javascript:alert(2)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox)',
  '![tracker](https://evil.example/pixel.png)',
  '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>',
  '<div onclick="alert(3)">x</div> ]]> <![CDATA[ ]]>',
  '[fine](https://example.com/ok)',
].join('\n\n');

let t: TestApp;
let id: string;
beforeAll(async () => {
  t = await makeTestApp();
  id = t.app.store.incidents.createIncident({
    name: NAME,
    impact: 'critical',
    componentIds: ['api'],
    first: { status: 'investigating', body: BODY, at: t.clock.ms - 60_000, components: { api: 'major_outage' } },
  });
  t.app.store.incidents.setPostmortem(id, BODY, t.clock.ms);
  await t.app.publisher.rebuild();
});
afterAll(() => t.close());

/** No live markup from the operator's text: only our own tags and safe links may appear. */
function expectInert(html: string) {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/<iframe/i);
  expect(html).not.toMatch(/<style/i);
  expect(html).not.toMatch(/<div onclick/i);
  expect(html).not.toMatch(/<[a-z][^>]*\son\w+\s*=/i);
  expect(html).not.toMatch(/<[a-z][^>]*\shref\s*=\s*["']?\s*(javascript|data|vbscript):/i);
  expect(html).not.toMatch(/<[a-z][^>]*\ssrc\s*=/i);
}

describe('hostile operator text', () => {
  it.each(['/', '/incidents/:id', '/history'])('is inert in the HTML of %s', async (url) => {
    const html = (await t.app.inject(url.replace(':id', id))).body;
    expectInert(html);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('keeps safe links working, with rel attributes', async () => {
    const html = (await t.app.inject(`/incidents/${id}`)).body;
    expect(html).toContain('<a href="https://example.com/ok" rel="nofollow noopener noreferrer">fine</a>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it.each(['/history.rss', '/history.atom'])('is inert, and the XML stays well-formed, in %s', async (url) => {
    const xml = (await t.app.inject(url)).body;
    // A real parser accepts it (a "]]>" in the text would have broken out of CDATA).
    const feed = parseFeed(xml);
    expect(feed.items).toHaveLength(1);
    // Titles are escaped in the XML, so a reader decoding them as HTML shows the name as text.
    expect(feed.items[0]!.title).toBe(NAME);
    // The HTML inside the CDATA sections is what a reader renders: it must be inert. (The parser
    // decodes entities in what it returns, so the raw sections are checked.)
    const html = [...xml.replace(/\]\]\]\]><!\[CDATA\[>/g, ']]>').matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((m) => m[1]).join('\n');
    expect(html).toContain('&lt;iframe');
    expectInert(html);
    expect(xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '')).not.toMatch(/<(script|img|iframe)/i);
  });

  it('is carried as plain data in the JSON', async () => {
    const { incidents } = (await t.app.inject('/api/v2/incidents.json')).json();
    expect(incidents[0].name).toBe(NAME);
    expect(incidents[0].incident_updates[0].body).toBe(BODY);
  });
});

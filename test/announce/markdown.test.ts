import { describe, expect, it } from 'vitest';
import { clip, convertMarkdown, defuseMentions, safeHref, TEXT_FORMATS, toDiscord, toMrkdwn, toSocialText, toTeams } from '../../src/announce/markdown.js';

const BASE = 'https://status.acme.com/';

describe('Slack mrkdwn', () => {
  it.each([
    ['bold and italic', 'We are **looking** into it, _slowly_.', 'We are *looking* into it, _slowly_.'],
    ['strike', '~~wrong~~ right', '~wrong~ right'],
    ['inline code', 'run `ls <dir>`', 'run `ls &lt;dir&gt;`'],
    ['link', 'see [the graph](https://grafana.acme.com/d?a=1&b=2)', 'see <https://grafana.acme.com/d?a=1&amp;b=2|the graph>'],
    ['bare link', 'see https://acme.com/x', 'see <https://acme.com/x>'],
    ['link target with | and >', '[x](https://a.com/p|q>r)', '<https://a.com/p%7Cq%3Er|x>'],
    ['link text with |', '[a|b](https://a.com/)', '<https://a.com/|a¦b>'],
    ['relative link resolved against the page', '[history](/history)', '<https://status.acme.com/history|history>'],
    ['mailto', '[mail us](mailto:ops@acme.com)', '<mailto:ops@acme.com|mail us>'],
    ['bullets', '- one\n- two', '• one\n• two'],
    ['ordered from 3', '3. three\n4. four', '3. three\n4. four'],
    ['nested list', '- one\n  - inner', '• one\n  • inner'],
    ['heading', '# Update', '*Update*'],
    ['quote', '> said', '> said'],
    ['code block', '```\na < b\n```', '```\na &lt; b\n```'],
    ['paragraphs', 'one\n\ntwo', 'one\n\ntwo'],
    ['line break', 'one\ntwo', 'one\ntwo'],
    ['entities', 'A &amp; B &lt;c&gt;', 'A &amp; B &lt;c&gt;'],
  ])('%s', (_name, source, expected) => {
    expect(toMrkdwn(source, BASE)).toBe(expected);
  });
});

describe('Discord markdown', () => {
  it.each([
    ['bold and italic', 'We are **looking** into it, _slowly_.', 'We are **looking** into it, _slowly_.'],
    ['strike', '~~wrong~~ right', '~~wrong~~ right'],
    ['inline code with a backtick', 'run `` a`b ``', 'run ``a`b``'],
    ['link', 'see [the graph](https://grafana.acme.com/d?a=1)', 'see [the graph](https://grafana.acme.com/d?a=1)'],
    ['link target with parentheses and spaces', '[x](<https://a.com/a (b)>)', '[x](https://a.com/a%20%28b%29)'],
    ['bare link without a preview', 'see https://acme.com/x', 'see <https://acme.com/x>'],
    ['e-mail stays text', 'write to ops@acme.com', 'write to ops@acme.com'],
    ['bullets', '- one\n- two', '- one\n- two'],
    ['heading', '## Update', '**Update**'],
    ['code block cannot be closed early', '```\na ``` b\n```', '```\na `\u200b`` b\n```'],
    ['literal stars stay literal', 'a \\*b\\* c', 'a \\*b\\* c'],
    ['masked-link syntax in text stays text', '\\[x\\](https://a.com)', '\\[x\\](<https://a.com/>)'],
    ['line-start list marker in text', '\\- not a list', '\\- not a list'],
  ])('%s', (_name, source, expected) => {
    expect(toDiscord(source, BASE)).toBe(expected);
  });
});

describe('Teams TextBlock markdown', () => {
  it.each([
    ['bold and italic', 'We are **looking** into it, _slowly_.', 'We are **looking** into it, _slowly_.'],
    ['strike is not in the subset', '~~wrong~~ right', 'wrong right'],
    ['code is not in the subset', 'run `a*b`', 'run a\\*b'],
    ['link', 'see [the graph](https://grafana.acme.com/d)', 'see [the graph](https://grafana.acme.com/d)'],
    ['bare link', 'see https://acme.com/x', 'see [https://acme.com/x](https://acme.com/x)'],
    ['bullets and numbers', '- one\n- two\n\n1. first', '- one\n- two\n\n1. first'],
    ['heading', '# Update', '**Update**'],
    ['code block as plain lines', '```\nx_y\n```', 'x\\_y'],
    ['brackets stay text', 'a [b] c', 'a \\[b\\] c'],
  ])('%s', (_name, source, expected) => {
    expect(toTeams(source, BASE)).toBe(expected);
  });
});

describe('plain text for X and Mastodon', () => {
  it.each([
    ['formatting dropped', 'We are **looking** into it, _slowly_ ~~now~~.', 'We are looking into it, slowly now.'],
    ['link as text (url)', 'see [the graph](https://grafana.acme.com/d)', 'see the graph (https://grafana.acme.com/d)'],
    ['link whose text is its url', '[https://acme.com/x](https://acme.com/x)', 'https://acme.com/x'],
    ['bare link', 'see https://acme.com/x', 'see https://acme.com/x'],
    ['mailto shows the address', '[write](mailto:ops@acme.com)', 'write (ops@acme.com)'],
    ['bullets', '- one\n- two', '- one\n- two'],
    ['code', 'run `ls`', 'run ls'],
    ['mentions defused', 'ping @everyone and @ops', 'ping @\u2060everyone and @\u2060ops'],
    ['e-mail addresses untouched', 'ops@acme.com', 'ops@acme.com'],
  ])('%s', (_name, source, expected) => {
    expect(toSocialText(source, BASE)).toBe(expected);
  });
});

describe('hostile input is inert in every format', () => {
  const hostile = [
    ['script tag', '<script>alert(1)</script>'],
    ['image with handler', '<img src=x onerror=alert(1)>'],
    ['javascript link', '[click](javascript:alert(1))'],
    ['data link', '[click](data:text/html;base64,PHNjcmlwdD4=)'],
    ['vbscript link', '[click](vbscript:msgbox)'],
    ['autolink to javascript', '<javascript:alert(1)>'],
    ['Slack broadcast', '<!channel> <!here|here> <!everyone>'],
    ['Slack user and link syntax', '<@U0123> <https://evil.example|https://bank.example>'],
    ['Discord role and user mention', '<@&123> <@!456> <#789>'],
    ['image markdown', '![x](https://tracker.example/p.png)'],
    ['HTML comment', '<!-- hidden --> text'],
  ];

  /** Markdown links whose brackets are not escaped, with their targets. */
  const markdownLinks = (text: string) => [...text.matchAll(/(?<!\\)\[(?:[^\]\\]|\\.)*(?<!\\)\]\(([^)]*)\)/g)].map((m) => m[1]!);

  it.each(hostile)('%s: no HTML, no Slack control sequence, no unsafe link', (_name, source) => {
    // Slack: every <…> is one of our own links, to http(s) or mailto; no <!channel>, <@user>, <#channel>.
    const slack = toMrkdwn(source, BASE);
    for (const match of slack.matchAll(/<([^>]*)>/g)) expect(match[1]).toMatch(/^(https?:|mailto:)/);

    // Discord, Teams, Markdown: every live link goes to http(s) or mailto; no unescaped < but our own <https://…>.
    for (const format of ['discord', 'teams', 'markdown'] as const) {
      const out = convertMarkdown(source, format, BASE);
      for (const target of markdownLinks(out)) expect(target).toMatch(/^<?(https?:|mailto:)/);
      if (format !== 'teams') for (const match of out.matchAll(/(?<!\\)<([^>]*)>?/g)) expect(match[1]).toMatch(/^(https?:|mailto:)/);
    }

    // Plain text: nothing to interpret but @mentions, which are defused.
    expect(toSocialText(source, BASE)).not.toMatch(/(^|\s)@[a-z]/i);
  });

  it('an image is at most a link, never an inline image', () => {
    expect(convertMarkdown('![x](https://tracker.example/p.png)', 'markdown', BASE)).toBe('\\![x](<https://tracker.example/p.png>)');
    expect(toMrkdwn('![x](https://tracker.example/p.png)', BASE)).toBe('!<https://tracker.example/p.png|x>');
  });

  it('keeps the text of a refused link', () => {
    expect(toSocialText('[click here](javascript:alert(1))')).toContain('click here');
    expect(toMrkdwn('[click here](data:text/html,x)')).toBe('[click here](data:text/html,x)');
  });

  it('drops relative links when there is no page to resolve them against', () => {
    expect(toMrkdwn('[history](/history)')).toBe('history');
  });
});

describe('safeHref', () => {
  it.each([
    ['https://a.com/x', undefined, 'https://a.com/x'],
    ['HTTP://A.COM', undefined, 'http://a.com/'],
    ['mailto:ops@acme.com', undefined, 'mailto:ops@acme.com'],
    ['/history', BASE, 'https://status.acme.com/history'],
    ['/history', undefined, undefined],
    ['javascript:alert(1)', BASE, undefined],
    [' JavaScript:alert(1)', BASE, undefined],
    ['data:text/html,x', BASE, undefined],
    ['file:///etc/passwd', BASE, undefined],
    ['ftp://a.com/', BASE, undefined],
  ])('%s (base %s)', (href, base, expected) => {
    expect(safeHref(href, base)).toBe(expected);
  });
});

describe('defuseMentions', () => {
  it.each([
    ['@everyone', '@\u2060everyone'],
    ['hi @ops_team!', 'hi @\u2060ops_team!'],
    ['(@a)', '(@\u2060a)'],
    ['＠fullwidth', '＠\u2060fullwidth'],
    ['ops@acme.com', 'ops@acme.com'],
    ['https://mastodon.social/@acme', 'https://mastodon.social/@acme'],
    ['@ alone', '@ alone'],
    ['@@double', '@@\u2060double'],
    ['a=@b', 'a=@b'],
  ])('%s', (text, expected) => {
    expect(defuseMentions(text)).toBe(expected);
  });
});

describe('clip', () => {
  it.each([
    ['short text untouched', 'hello', 10, 'text', 'hello'],
    ['cut at a space', 'hello wonderful world', 16, 'text', 'hello wonderful…'],
    ['never half a surrogate pair', `${'a'.repeat(8)}😀😀`, 10, 'text', `${'a'.repeat(8)}…`],
    ['never half a Slack link', 'see <https://acme.com/very/long|the graph> now', 20, 'mrkdwn', 'see…'],
    ['never half a Slack entity', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa &amp; b', 39, 'mrkdwn', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…'],
    ['never half a Markdown link', 'see [the graph](https://acme.com/very/long) now', 30, 'discord', 'see…'],
    ['never a dangling escape', `${'a'.repeat(40)}\\*bc`, 42, 'discord', `${'a'.repeat(40)}…`],
  ] as const)('%s', (_name, text, max, format, expected) => {
    const out = clip(text, max, format);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(max);
  });
});

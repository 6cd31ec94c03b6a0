import type { Token } from 'markdown-it';
import { parseMarkdown } from '../render/markdown.js';

/**
 * The operator's Markdown converted to each channel's own text format, from markdown-it's tokens
 * (parsed with the public page's rules: raw HTML is text, images are off). Every piece of literal
 * text goes through the format's escaping, so raw HTML, Slack's `<!channel>`, a Discord mask link
 * or an `@mention` in the source comes out as the characters the operator typed, never as markup.
 * Links keep only http(s) and mailto targets (relative ones are resolved against the page);
 * anything else (javascript:, data:, vbscript:) loses its link and keeps its text.
 */

/**
 * - `mrkdwn`: Slack (`*bold*`, `_italic_`, `<url|text>`; &, < and > escaped as entities)
 * - `discord`: Discord's Markdown (`**bold**`, `[text](url)`; syntax characters backslash-escaped)
 * - `teams`: the Adaptive Card TextBlock subset (bold, italic, lists, links; nothing else)
 * - `social`: plain text for X and Mastodon (links as "text (url)", @mentions defused)
 * - `text`: plain text, verbatim (Slack's plain_text, Discord's embed title)
 * - `markdown`: CommonMark with syntax characters escaped, for text that becomes a body
 */
export const TEXT_FORMATS = ['mrkdwn', 'discord', 'teams', 'social', 'text', 'markdown'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

// ---------------------------------------------------------------- escaping literal text

const SLACK_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Slack's three control characters; everything else is shown as sent. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (ch) => SLACK_ENTITIES[ch]!);
}

/** Backslash before every character Discord's parser could read as syntax, `<@id>` mentions included. */
export function escapeDiscord(text: string): string {
  return text.replace(/[\\*_~`|<>[\]#]/g, '\\$&').replace(/^([-+]|\d+\.)(?=\s)/gm, '\\$1');
}

/**
 * Adaptive Card TextBlocks know only bold, italic, lists and links: escaping just their syntax
 * keeps the rest of the text free of backslashes that a stricter renderer might show.
 */
export function escapeTeams(text: string): string {
  return text.replace(/[\\*_[\]]/g, '\\$&').replace(/^([-+]|\d+\.)(?=\s)/gm, '\\$1');
}

/** CommonMark backslash escapes: no emphasis, link, code or HTML from literal text. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`<>[\]()#!|]/g, '\\$&').replace(/^([-+]|\d+\.)(?=\s)/gm, '\\$1');
}

/**
 * X and Mastodon turn `@name` into a mention that notifies someone: a word joiner after the `@`
 * keeps the text as typed and links no one. (An address such as ops@acme.example is no mention
 * on either service and is left alone.)
 */
export function defuseMentions(text: string): string {
  return text.replace(/(^|[^\p{L}\p{N}_/=])([@＠])(?=[\p{L}\p{N}_])/gu, '$1$2\u2060');
}

export const ESCAPE: Record<TextFormat, (text: string) => string> = {
  mrkdwn: escapeMrkdwn,
  discord: escapeDiscord,
  teams: escapeTeams,
  social: defuseMentions,
  text: (text) => text,
  markdown: escapeMarkdown,
};

// ---------------------------------------------------------------- links

const SAFE_SCHEME = /^(https?|mailto):$/i;

/** An absolute http(s) or mailto URL, or undefined: relative links resolve against `base`, other schemes are dropped. */
export function safeHref(href: string, base?: string): string | undefined {
  try {
    const url = base ? new URL(href.trim(), base) : new URL(href.trim());
    return SAFE_SCHEME.test(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** What a reader sees of a URL: mailto: addresses without the scheme. */
const shownHref = (href: string) => (href.toLowerCase().startsWith('mailto:') ? decodeURIComponent(href.slice(7)) : href);

// ---------------------------------------------------------------- dialects

interface Dialect {
  escape(text: string): string;
  strong(inner: string): string;
  em(inner: string): string;
  strike(inner: string): string;
  code(text: string): string;
  /** `inner` is already rendered; `bare` when the source was the URL itself (autolink or linkified text). */
  link(inner: string, href: string, bare: boolean): string;
  codeBlock(text: string): string;
  heading(inner: string): string;
  bullet: string;
  quote: string;
  rule: string;
}

/** The longest run of backticks in `text`: a code span's fence must be longer. */
const longestBacktickRun = (text: string) => Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));

function backtickSpan(text: string): string {
  const fence = '`'.repeat(longestBacktickRun(text) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Three backticks end a fenced block on Slack and Discord, whatever comes before: break every run of them. */
const breakFences = (text: string) => text.replace(/```/g, '`\u200b``');

const withoutTrailingNewline = (text: string) => text.replace(/\n$/, '');

/** Slack URLs end at `|` or `>`; & is an entity like everywhere in mrkdwn. */
export const slackUrl = (href: string) => href.replace(/&/g, '&amp;').replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');

/** Inside `(...)` of a Markdown link, a space or parenthesis would end the URL. */
const markdownUrl = (href: string) => href.replace(/ /g, '%20').replace(/\(/g, '%28').replace(/\)/g, '%29');

const plainLink = (inner: string, href: string, bare: boolean) => (bare || inner.trim() === '' ? inner || shownHref(href) : `${inner} (${shownHref(href)})`);

const DIALECTS: Record<TextFormat, Dialect> = {
  mrkdwn: {
    escape: escapeMrkdwn,
    strong: (s) => `*${s}*`,
    em: (s) => `_${s}_`,
    strike: (s) => `~${s}~`,
    code: (s) => `\`${escapeMrkdwn(s.replace(/`/g, 'ˋ'))}\``,
    link: (inner, href, bare) => (bare ? `<${slackUrl(href)}>` : `<${slackUrl(href)}|${inner.replace(/\|/g, '¦')}>`),
    codeBlock: (s) => `\`\`\`\n${escapeMrkdwn(breakFences(withoutTrailingNewline(s)))}\n\`\`\``,
    heading: (s) => `*${s}*`,
    bullet: '•',
    quote: '>',
    rule: '———',
  },
  discord: {
    escape: escapeDiscord,
    strong: (s) => `**${s}**`,
    em: (s) => `_${s}_`,
    strike: (s) => `~~${s}~~`,
    code: backtickSpan,
    // Discord links only web addresses: an e-mail address stays text.
    link: (inner, href, bare) =>
      href.startsWith('mailto:') ? inner : bare ? `<${markdownUrl(href)}>` : `[${inner}](${markdownUrl(href)})`,
    codeBlock: (s) => `\`\`\`\n${breakFences(withoutTrailingNewline(s))}\n\`\`\``,
    heading: (s) => `**${s}**`,
    bullet: '-',
    quote: '>',
    rule: '———',
  },
  teams: {
    // The TextBlock subset has bold, italic, lists and links; code and quotes become plain text.
    escape: escapeTeams,
    strong: (s) => `**${s}**`,
    em: (s) => `_${s}_`,
    strike: (s) => s,
    code: escapeTeams,
    link: (inner, href) => `[${inner}](${markdownUrl(href)})`,
    codeBlock: (s) => escapeTeams(withoutTrailingNewline(s)),
    heading: (s) => `**${s}**`,
    bullet: '-',
    quote: '>',
    rule: '———',
  },
  social: {
    escape: defuseMentions,
    strong: (s) => s,
    em: (s) => s,
    strike: (s) => s,
    code: defuseMentions,
    link: plainLink,
    codeBlock: (s) => defuseMentions(withoutTrailingNewline(s)),
    heading: (s) => s,
    bullet: '-',
    quote: '>',
    rule: '———',
  },
  text: {
    escape: (s) => s,
    strong: (s) => s,
    em: (s) => s,
    strike: (s) => s,
    code: (s) => s,
    link: plainLink,
    codeBlock: withoutTrailingNewline,
    heading: (s) => s,
    bullet: '-',
    quote: '>',
    rule: '———',
  },
  markdown: {
    escape: escapeMarkdown,
    strong: (s) => `**${s}**`,
    em: (s) => `_${s}_`,
    strike: (s) => `~~${s}~~`,
    code: backtickSpan,
    link: (inner, href) => `[${inner}](<${href.replace(/[<>]/g, encodeURIComponent)}>)`,
    codeBlock: (s) => `~~~~\n${withoutTrailingNewline(s).replace(/^~~~~/gm, '\\~~~~')}\n~~~~`,
    heading: (s) => `**${s}**`,
    bullet: '-',
    quote: '>',
    rule: '---',
  },
};

// ---------------------------------------------------------------- the tree walk

interface Node {
  token: Token;
  children: Node[];
}

/** markdown-it's flat block stream (open, content, close) as a tree. */
function toTree(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  for (const token of tokens) {
    const siblings = stack[stack.length - 1]!;
    if (token.nesting === 1) {
      const node: Node = { token, children: [] };
      siblings.push(node);
      stack.push(node.children);
    } else if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
    } else {
      siblings.push({ token, children: [] });
    }
  }
  return root;
}

interface Walk {
  dialect: Dialect;
  base: string | undefined;
}

function renderInline(tokens: Token[], walk: Walk): { out: string; plain: string } {
  const { dialect } = walk;
  let out = '';
  let plain = '';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token.type) {
      case 'text':
      case 'text_special':
        out += dialect.escape(token.content);
        plain += token.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        out += '\n';
        plain += '\n';
        break;
      case 'code_inline':
        out += dialect.code(token.content);
        plain += token.content;
        break;
      case 'strong_open':
      case 'em_open':
      case 's_open':
      case 'link_open': {
        const close = closing(tokens, i);
        const inner = renderInline(tokens.slice(i + 1, close), walk);
        if (token.type === 'strong_open') out += inner.out.trim() ? dialect.strong(inner.out) : inner.out;
        else if (token.type === 'em_open') out += inner.out.trim() ? dialect.em(inner.out) : inner.out;
        else if (token.type === 's_open') out += inner.out.trim() ? dialect.strike(inner.out) : inner.out;
        else {
          const href = safeHref(String(token.attrGet('href') ?? ''), walk.base);
          // markdown-it marks autolinks and linkified URLs with info 'auto': the text is the URL.
          out += href ? dialect.link(inner.out, href, token.info === 'auto' || inner.plain === href) : inner.out;
        }
        plain += inner.plain;
        i = close;
        break;
      }
      default:
        // html_inline cannot occur (html: false) and images are disabled; anything else new in
        // markdown-it is shown as its source text, escaped, rather than trusted.
        if (token.content) {
          out += dialect.escape(token.content);
          plain += token.content;
        }
    }
  }
  return { out, plain };
}

/** Index of the token closing the one opened at `open`. */
function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    depth += tokens[i]!.nesting;
    if (depth === 0) return i;
  }
  return tokens.length;
}

const indent = (text: string, first: string, rest: string) =>
  text
    .split('\n')
    .map((line, i) => (i === 0 ? first : line ? rest : '') + line)
    .join('\n');

function renderBlocks(nodes: Node[], walk: Walk, separator: string): string {
  return nodes
    .map((node) => renderBlock(node, walk))
    .filter((text) => text !== '')
    .join(separator);
}

function renderBlock(node: Node, walk: Walk): string {
  const { dialect } = walk;
  const { token } = node;
  switch (token.type) {
    case 'paragraph_open':
      return renderBlocks(node.children, walk, '\n');
    case 'inline':
      return renderInline(token.children ?? [], walk).out;
    case 'heading_open': {
      const inner = renderBlocks(node.children, walk, '\n');
      return inner ? dialect.heading(inner) : '';
    }
    case 'bullet_list_open':
    case 'ordered_list_open': {
      const ordered = token.type === 'ordered_list_open';
      let n = Number(token.attrGet('start') ?? 1);
      return node.children
        .map((item) => {
          const marker = ordered ? `${n++}.` : dialect.bullet;
          const body = renderBlocks(item.children, walk, '\n');
          return indent(body, `${marker} `, ' '.repeat(marker.length + 1));
        })
        .join('\n');
    }
    case 'blockquote_open': {
      const inner = renderBlocks(node.children, walk, '\n\n');
      return inner
        .split('\n')
        .map((line) => (line ? `${dialect.quote} ${line}` : dialect.quote))
        .join('\n');
    }
    case 'code_block':
    case 'fence':
      return dialect.codeBlock(token.content);
    case 'hr':
      return dialect.rule;
    case 'table_open':
      return renderTable(node, walk);
    default:
      return node.children.length > 0 ? renderBlocks(node.children, walk, '\n') : token.content ? dialect.escape(token.content) : '';
  }
}

/** No chat format here has tables: one line per row, cells separated by a bar. */
function renderTable(table: Node, walk: Walk): string {
  const rows: string[] = [];
  const visit = (nodes: Node[]) => {
    for (const node of nodes) {
      if (node.token.type === 'tr_open') {
        rows.push(node.children.map((cell) => renderBlocks(cell.children, walk, ' ')).join(' | '));
      } else visit(node.children);
    }
  };
  visit(table.children);
  return rows.join('\n');
}

/**
 * The operator's Markdown in `format`. `base` (the page's URL) resolves relative links; without it
 * they are dropped. Pure: the same source always gives the same text.
 */
export function convertMarkdown(source: string, format: TextFormat, base?: string): string {
  const walk: Walk = { dialect: DIALECTS[format], base };
  return renderBlocks(toTree(parseMarkdown(source)), walk, '\n\n').trim();
}

export const toMrkdwn = (source: string, base?: string) => convertMarkdown(source, 'mrkdwn', base);
export const toDiscord = (source: string, base?: string) => convertMarkdown(source, 'discord', base);
export const toTeams = (source: string, base?: string) => convertMarkdown(source, 'teams', base);
export const toSocialText = (source: string, base?: string) => convertMarkdown(source, 'social', base);

// ---------------------------------------------------------------- clipping converted text

/** What must not be cut in half at the end of a clipped text, per format. */
const OPEN_CONSTRUCT: Record<TextFormat, RegExp[]> = {
  mrkdwn: [/<[^>\n]*$/, /&[a-z]*$/],
  discord: [/\[[^\]\n]*(\]\([^)\n]*)?$/, /\\$/, /<[^>\n]*$/],
  teams: [/\[[^\]\n]*(\]\([^)\n]*)?$/, /\\$/],
  markdown: [/\[[^\]\n]*(\]\([^)\n]*)?$/, /\\$/],
  social: [],
  text: [],
};

/**
 * At most `max` UTF-16 units (the strictest way services count), ending in "…" when cut: never in
 * the middle of a surrogate pair, an entity, a link or an escape, and at a space when one is near.
 */
export function clip(text: string, max: number, format: TextFormat = 'text'): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const midWord = /\S/.test(text[cut.length] ?? ' ');
  for (const pattern of OPEN_CONSTRUCT[format]) cut = cut.replace(pattern, '');
  const space = cut.search(/\s\S*$/);
  if (midWord && space > 0 && cut.length - space < 30) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

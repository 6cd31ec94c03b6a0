import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

/**
 * Operator-written Markdown to safe HTML. Raw HTML in the source is escaped (html: false), links are
 * limited to http(s) and mailto (markdown-it refuses javascript:, vbscript:, file: and data:), and
 * images are off: a status page must load nothing from a third party, and an image is a request.
 */
const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false, breaks: true });
md.disable(['image']);

const SAFE_LINK = /^(https?:|mailto:|\/|#)/i;
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'nofollow noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/**
 * Operator headings sit inside an incident card, under the page's own h1-h3: `#` is rendered as
 * h4, `##` as h5, deeper ones as h6, so that the page's outline stays the page's.
 */
const HEADING_SHIFT = 3;
for (const rule of ['heading_open', 'heading_close'] as const) {
  md.renderer.rules[rule] = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!;
    token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + HEADING_SHIFT)}`;
    return self.renderToken(tokens, idx, options);
  };
}

/**
 * The same parse, as tokens, for announcements that convert operator text to a chat service's own
 * format (src/announce/markdown.ts): one set of rules for what operator Markdown may contain.
 */
export function parseMarkdown(source: string): Token[] {
  return md.parse(source, {});
}

/**
 * Plain text (a component's name, say) to put into Markdown that Outpost writes itself: every ASCII
 * punctuation character is backslash-escaped (CommonMark allows it for all of them), so `DB *primary*`,
 * `[x](y)` or `evil.example` stays those characters, never emphasis or a link, on the page, in the
 * feeds and in chat messages.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

// Rendered HTML by source text. Every snapshot rebuild renders every visible update; the texts
// rarely change, so rebuilds after the first cost a map lookup each. Bounded: cleared when full.
const cache = new Map<string, string>();
const CACHE_LIMIT = 10_000;

export function renderMarkdown(source: string): string {
  let html = cache.get(source);
  if (html === undefined) {
    html = md.render(source);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, html);
  }
  return html;
}

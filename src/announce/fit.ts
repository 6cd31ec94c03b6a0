import { type Message, formatMessage, renderTemplate } from './message.js';

/**
 * Fitting a post into X's 280 and Mastodon's 500 characters, counted the way each service counts,
 * erring towards counting too much: a post one character short is fine, one character over is
 * refused for good.
 *
 * - A URL counts 23, as X's t.co and Mastodon count every link. When its host has no alphabetic
 *   top-level domain (localhost, an address), neither service may link it, so it counts its own
 *   length if that is more. A bare domain such as status.acme.com counts at least 23 too: X links it.
 * - X weighs code points as twitter-text v3 does: 1 for U+0000–U+10FF (Latin, Greek, Cyrillic,
 *   Hebrew, Arabic, Indic…) and a few punctuation ranges, 2 for everything else (CJK, emoji). An
 *   emoji sequence counts 2 per code point here where X counts it 2 in all: over, never under.
 * - Mastodon counts every code point 1 (it counts grapheme clusters, never more than code points).
 * - Text is normalised to NFC first, as X does.
 */

export interface PostRules {
  limit: number;
  weigh(codePoint: number): number;
}

const X_LIGHT_RANGES: Array<[number, number]> = [
  [0x0000, 0x10ff],
  [0x2000, 0x200d],
  [0x2010, 0x201f],
  [0x2032, 0x2037],
];

export const X_RULES: PostRules = {
  limit: 280,
  weigh: (cp) => (X_LIGHT_RANGES.some(([from, to]) => cp >= from && cp <= to) ? 1 : 2),
};

export const mastodonRules = (limit = 500): PostRules => ({ limit, weigh: () => 1 });

const URL_LENGTH = 23;
const LINKISH = /https?:\/\/[^\s<>"]+|(?<![\p{L}\p{N}_@./-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}(?::\d+)?(?:[/?#][^\s<>"]*)?/giu;
const TRAILING_PUNCTUATION = /[.,;:!?'")\]}…]+$/u;

function weighChars(text: string, rules: PostRules): number {
  let total = 0;
  for (const ch of text) total += rules.weigh(ch.codePointAt(0)!);
  return total;
}

/** Whether a service surely links this as a URL (so that it counts exactly 23). */
function surelyLinked(url: string): boolean {
  if (!/^https?:\/\//i.test(url)) return false;
  try {
    return /\.\p{L}{2,}$/u.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** The length of `text` as the service counts it, or a little more. */
export function weighText(text: string, rules: PostRules): number {
  const normal = text.normalize('NFC');
  let total = 0;
  let last = 0;
  for (const match of normal.matchAll(LINKISH)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, '');
    total += weighChars(normal.slice(last, match.index), rules);
    total += surelyLinked(url) ? URL_LENGTH : Math.max(URL_LENGTH, weighChars(url, rules));
    last = match.index + url.length;
  }
  return total + weighChars(normal.slice(last), rules);
}

/** The text pieces of a post, in the `social` format (mentions defused, Markdown made plain). */
export interface PostParts {
  test: boolean;
  statusLabel: string;
  title: string;
  body: string;
  components: string;
  window: string;
  url: string;
}

export function postParts(message: Message): PostParts {
  const formatted = formatMessage(message, 'social');
  return {
    test: message.test,
    statusLabel: message.statusLabel,
    title: message.title,
    body: formatted.body,
    components: formatted.components,
    window: formatted.window,
    url: message.url,
  };
}

/**
 * The first `n` code points of `text` and "…", cut before a partly kept word when a space is near,
 * and always before a partly kept URL (half a link is a broken link). `n` = 0 is the empty text.
 */
export function shorten(text: string, n: number): string {
  const chars = [...text];
  if (n >= chars.length) return text;
  if (n <= 0) return '';
  let cut = chars.slice(0, n).join('');
  if (!/\s/.test(chars[n]!)) {
    const lastWord = /\S+$/.exec(cut);
    if (lastWord && (/^\S*https?:/i.test(lastWord[0]) || (lastWord.index > 0 && lastWord[0].length < 30))) cut = cut.slice(0, lastWord.index);
  }
  cut = cut.trimEnd();
  return cut ? `${cut}…` : '';
}

/**
 * The post as long as `rules` allow: first the body is shortened (at a word), then the list of
 * affected components, then the title. The headline's status, the maintenance window and the link
 * always stay. Pure.
 */
export function fitPost(parts: PostParts, rules: PostRules): string {
  const render = (p: PostParts) => renderTemplate('social', 'post', p).normalize('NFC');
  const fits = (p: PostParts) => weighText(render(p), rules) <= rules.limit;
  let current = parts;
  if (fits(current)) return render(current);
  for (const field of ['body', 'components', 'title'] as const) {
    const full = current[field];
    const at = (n: number): PostParts => ({ ...current, [field]: shorten(full, n) });
    const length = [...full].length;
    if (!fits(at(0))) {
      current = at(0);
      continue;
    }
    // Largest n whose shortened text fits; fits(at(lo)) holds throughout.
    let lo = 0;
    let hi = length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(at(mid))) lo = mid;
      else hi = mid - 1;
    }
    return render(at(lo));
  }
  // Only a limit too small for a status label and a link gets here: cut the text itself.
  const text = render(current);
  const chars = [...text];
  let n = chars.length;
  while (n > 0 && weighText(`${chars.slice(0, n).join('')}…`, rules) > rules.limit) n--;
  return `${chars.slice(0, n).join('').trimEnd()}…`;
}

export const fitTweet = (parts: PostParts) => fitPost(parts, X_RULES);

/**
 * Safe-search: the engines' own "safe" hosts, published by each engine for exactly this use.
 * A safe-search order names the engines' domains as targets; a query for one of their search
 * hosts is answered with a CNAME to the safe host (never a forged address).
 *
 * Sources: Google "Lock SafeSearch for devices and networks" (forcesafesearch.google.com),
 * Microsoft Bing "strict.bing.com", YouTube "restrict.youtube.com / restrictmoderate.youtube.com",
 * DuckDuckGo "safe.duckduckgo.com".
 */

/** How strict YouTube's restriction is (Google, Bing and DuckDuckGo have one safe host). */
export type SafeSearchLevel = 'strict' | 'moderate';

const YOUTUBE_HOSTS = new Set([
  'youtube.com',
  'www.youtube.com',
  'm.youtube.com',
  'youtubei.googleapis.com',
  'youtube.googleapis.com',
  'www.youtube-nocookie.com',
]);

const EXACT: ReadonlyMap<string, string> = new Map([
  ['bing.com', 'strict.bing.com'],
  ['www.bing.com', 'strict.bing.com'],
  ['duckduckgo.com', 'safe.duckduckgo.com'],
  ['www.duckduckgo.com', 'safe.duckduckgo.com'],
  ['start.duckduckgo.com', 'safe.duckduckgo.com'],
]);

// google.com, google.de, google.co.uk, google.com.br …, with or without www.
const GOOGLE = /^(?:www\.)?google\.(?:[a-z]{2,3}|com?\.[a-z]{2})$/;

/** The safe host a search host must resolve as, or null when the name is not a search host. */
export function safeSearchHost(name: string, level: SafeSearchLevel = 'strict'): string | null {
  if (YOUTUBE_HOSTS.has(name))
    return level === 'strict' ? 'restrict.youtube.com' : 'restrictmoderate.youtube.com';
  const exact = EXACT.get(name);
  if (exact) return exact;
  return GOOGLE.test(name) ? 'forcesafesearch.google.com' : null;
}

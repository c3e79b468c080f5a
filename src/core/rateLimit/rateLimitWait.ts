/**
 * What a request held back by a rate limit is waiting for, in words every
 * progress line shares (the command line's, the editor's notification, status
 * bar and results panel) and in the longer words of the log.
 */

export type RateLimitWait =
  /** The requests-per-minute budget (configured, or announced by the server). */
  | 'requests'
  /** The tokens-per-minute budget (configured, or announced by the server). */
  | 'tokens'
  /** The server said no requests are left until its reset. */
  | 'server-requests'
  /** The server said too few tokens are left until its reset. */
  | 'server-tokens'
  /** The server answered 429 and asked to wait (`retry-after`). */
  | 'retry-after'
  /** The first request to an endpoint is out; its answer's headers may announce the limits. */
  | 'first-answer';

const shortWords: Readonly<Record<RateLimitWait, string>> = {
  requests: 'requests per minute',
  tokens: 'tokens per minute',
  'server-requests': 'server: no requests left',
  'server-tokens': 'server: no tokens left',
  'retry-after': 'server: retry after 429',
  'first-answer': 'first answer',
};

/** The waits a server imposes by what it says, rather than by the pace of a budget. */
export type ServerWait = Extract<RateLimitWait, 'server-requests' | 'server-tokens' | 'retry-after'>;

const longWords: Readonly<Record<ServerWait, string>> = {
  'server-requests': 'the server reports no requests left until its limit resets',
  'server-tokens': 'the server reports too few tokens left until its limit resets',
  'retry-after': 'the server answered 429 and asked to wait',
};

export function isServerWait(reason: RateLimitWait): reason is ServerWait {
  return Object.hasOwn(longWords, reason);
}

/** `waiting for rate limit (server: no requests left)`: the words of progress lines. */
export function describeRateLimitWait(reason: RateLimitWait | undefined): string {
  return reason ? `waiting for rate limit (${shortWords[reason]})` : 'waiting for rate limit';
}

/** `the server reports no requests left until its limit resets`: the words of the log. */
export function explainServerWait(reason: ServerWait): string {
  return longWords[reason];
}

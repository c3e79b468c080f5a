/**
 * The rate-limit scenario's server process: the project's mock server on
 * 127.0.0.1 enforcing per-minute limits in one-second slices, as providers do,
 * and counting what it answered and what it turned away.
 *
 *   node dist/bench/servers/rateLimitedServe.js --rpm N --tpm N [--latency MS]
 *
 * Prints its base URL on the first line of stdout. `GET /bench/stats` answers
 * `{ answered, rateLimited, spanMs }`; `POST /bench/reset` zeroes them and starts the
 * limits afresh.
 */
import { MockServer } from '../../test/mock/mockServer';
import type { MockRateLimit } from '../../test/mock/mockRateLimit';
import { chatCompletionFor, chatRequestProblem, errorBody } from '../../test/mock/mockResponses';

export interface RateLimitedServerStats {
  /** Chat completions answered. */
  readonly answered: number;
  /** Chat completions turned away with 429. */
  readonly rateLimited: number;
  /** Milliseconds from the first request's arrival to the last answer: the run as the server saw it. */
  readonly spanMs: number;
}

function argNumber(args: readonly string[], name: string): number | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : Number(args[at + 1]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rpm = argNumber(args, '--rpm');
  const tpm = argNumber(args, '--tpm');
  const latencyMs = argNumber(args, '--latency') ?? 0;
  const valid = (value: number | undefined) => value === undefined || (Number.isFinite(value) && value > 0);
  if (!valid(rpm) || !valid(tpm) || !(latencyMs >= 0)) {
    process.stderr.write('usage: rateLimitedServe.js --rpm N --tpm N [--latency MS]\n');
    process.exit(2);
  }
  const limit: MockRateLimit = { ...(rpm !== undefined && { rpm }), ...(tpm !== undefined && { tpm }) };
  const server = await MockServer.start({ latencyMs, record: false, rateLimit: limit });
  let answered = 0;
  let firstAt: number | undefined;
  let lastAt = 0;
  server.route('POST', '/v1/chat/completions', (ctx) => {
    // Routes run after the latency, so the first request arrived that much earlier.
    firstAt ??= Date.now() - latencyMs;
    lastAt = Date.now();
    const headers = { 'x-request-id': `req_mock_${ctx.sequence}` };
    const problem = chatRequestProblem(ctx.body);
    if (problem) return { status: 400, headers, body: errorBody(problem, 'invalid_request_error', 'invalid_request') };
    answered++;
    return { status: 200, headers, body: chatCompletionFor(ctx.body as { messages: unknown[] }, ctx.sequence, Date.now()) };
  });
  server.route('GET', '/bench/stats', () => ({ status: 200, body: { answered, rateLimited: server.rateLimited, spanMs: firstAt === undefined ? 0 : lastAt - firstAt } satisfies RateLimitedServerStats }));
  server.route('POST', '/bench/reset', () => {
    answered = 0;
    firstAt = undefined;
    lastAt = 0;
    server.setRateLimit(limit);
    server.resetRecords();
    return { status: 200, body: { ok: true } };
  });
  process.stdout.write(`${server.baseUrl}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The bench holds our stdin open; when it goes away, so do we.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

void main();

/**
 * The benchmarks' server process: the project's mock OpenAI-compatible server
 * on 127.0.0.1, optionally failing a fixed share of first attempts, with
 * counters the bench reads between runs.
 *
 *   node dist/bench/servers/mockServe.js [--latency MS] [--faults standard]
 *
 * Prints its base URL on the first line of stdout. `GET /bench/stats` answers
 * the counters, `POST /bench/reset` zeroes them.
 */
import { MockServer } from '../../test/mock/mockServer';
import type { MockScript } from '../../test/mock/mockServer';
import { chatCompletionFor, chatRequestProblem, errorBody } from '../../test/mock/mockResponses';
import type { FaultKind } from './faultMix';
import { faultFor, mockFaultOf, standardFaultMix } from './faultMix';

export interface ServerStats {
  /** Chat completions answered normally. */
  answered: number;
  /** First attempts failed on purpose, by kind. */
  faults: Record<FaultKind, number>;
  inFlightMax: number;
}

function freshStats(): ServerStats {
  return { answered: 0, faults: { rateLimit: 0, serverError: 0, reset: 0, hang: 0 }, inFlightMax: 0 };
}

function argValue(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const latencyMs = Number(argValue(args, '--latency') ?? '0');
  const faults = argValue(args, '--faults') ?? 'none';
  if (!Number.isFinite(latencyMs) || latencyMs < 0 || (faults !== 'none' && faults !== 'standard')) {
    process.stderr.write('usage: mockServe.js [--latency MS] [--faults none|standard]\n');
    process.exit(2);
  }
  let stats = freshStats();
  const chatPath = '/v1/chat/completions';
  const script: MockScript | undefined =
    faults === 'standard'
      ? (ctx) => {
          if (ctx.path !== chatPath || ctx.attemptForBody !== 1) return undefined;
          const messages = (ctx.body as { messages?: unknown } | undefined)?.messages;
          const kind = faultFor(JSON.stringify(messages ?? null), standardFaultMix);
          if (kind === undefined) return undefined;
          stats.faults[kind]++;
          return mockFaultOf(kind);
        }
      : undefined;
  const server = await MockServer.start({ latencyMs, record: false, ...(script && { script }) });
  // Same answers as the stock route, counted.
  server.route('POST', chatPath, (ctx) => {
    const headers = { 'x-request-id': `req_mock_${ctx.sequence}` };
    const problem = chatRequestProblem(ctx.body);
    if (problem) return { status: 400, headers, body: errorBody(problem, 'invalid_request_error', 'invalid_request') };
    stats.answered++;
    return { status: 200, headers, body: chatCompletionFor(ctx.body as { messages: unknown[] }, ctx.sequence, Date.now()) };
  });
  server.route('GET', '/bench/stats', () => ({ status: 200, body: { ...stats, inFlightMax: server.inFlightMax } }));
  server.route('POST', '/bench/reset', () => {
    stats = freshStats();
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

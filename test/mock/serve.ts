/**
 * Runs the mock OpenAI-compatible server until interrupted and prints its base URL.
 *
 *   node dist/test/mock/serve.js [--port 0] [--latency 50] [--record] [--rate-limit-headers MODE]
 *
 * MODE answers every chat completion with rate-limit headers no real provider
 * sends (see `hostileRateLimits.ts`): exhausted-for-ever, exhausted-for-ever-429,
 * tiny-limit, exhausted-for-an-hour, exhausted-for-30s, retry-after-days.
 */
import { MockServer } from './mockServer';
import { hostileRateLimitModes, hostileRateLimitScript, isHostileRateLimitMode } from './hostileRateLimits';

function numberArg(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`${name} needs a non-negative number\n`);
    process.exit(2);
  }
  return value;
}

function rateLimitMode(args: string[]): ReturnType<typeof hostileRateLimitScript> | undefined {
  const at = args.indexOf('--rate-limit-headers');
  if (at === -1) return undefined;
  const mode = args[at + 1] ?? '';
  if (isHostileRateLimitMode(mode)) return hostileRateLimitScript(mode);
  process.stderr.write(`--rate-limit-headers needs one of: ${Object.keys(hostileRateLimitModes).join(', ')}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const script = rateLimitMode(args);
  const server = await MockServer.start({
    port: numberArg(args, '--port', 0),
    latencyMs: numberArg(args, '--latency', 0),
    record: args.includes('--record'),
    ...(script && { script }),
  });
  process.stdout.write(`${server.baseUrl}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();

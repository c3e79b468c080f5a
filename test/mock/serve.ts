/**
 * Runs the mock OpenAI-compatible server until interrupted and prints its base URL.
 *
 *   node dist/test/mock/serve.js [--port 0] [--latency 50] [--record]
 */
import { MockServer } from './mockServer';

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

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const server = await MockServer.start({
    port: numberArg(args, '--port', 0),
    latencyMs: numberArg(args, '--latency', 0),
    record: args.includes('--record'),
  });
  process.stdout.write(`${server.baseUrl}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();

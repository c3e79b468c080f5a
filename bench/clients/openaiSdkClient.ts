/**
 * A peer: what people write without llmbatch — the official `openai` SDK under
 * p-limit, one `chat.completions.create` per input line, results in input order.
 * The packages come from a folder under `.bench-peers/`, never from the project.
 *
 *   node dist/bench/clients/openaiSdkClient.js INPUT.jsonl --packages DIR --api-base URL --concurrency N --out FILE
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface OpenAIClient {
  chat: { completions: { create(body: unknown): Promise<unknown> } };
}
type OpenAIConstructor = new (options: { baseURL: string; apiKey: string }) => OpenAIClient;
type Limit = <T>(task: () => Promise<T>) => Promise<T>;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { packages: { type: 'string' }, 'api-base': { type: 'string' }, concurrency: { type: 'string' }, out: { type: 'string' } },
  });
  const [input] = positionals;
  const { packages, out } = values;
  const apiBase = values['api-base'];
  const concurrency = Number(values.concurrency ?? '100');
  if (!input || !packages || !apiBase || !out || !Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write('usage: openaiSdkClient.js INPUT.jsonl --packages DIR --api-base URL --concurrency N --out FILE\n');
    process.exit(2);
  }
  const requireFromPeers = createRequire(join(packages, 'package.json'));
  const openai = requireFromPeers('openai') as { default?: OpenAIConstructor; OpenAI?: OpenAIConstructor };
  const OpenAI = (openai.OpenAI ?? openai.default)!;
  // p-limit is ESM-only: import it by path.
  const pLimitModule = (await import(pathToFileURL(requireFromPeers.resolve('p-limit')).href)) as { default: (concurrency: number) => Limit };
  const limit = pLimitModule.default(concurrency);
  // The mock needs no key; the SDK insists on one.
  const client = new OpenAI({ baseURL: apiBase, apiKey: 'bench-no-key' });

  const lines = readFileSync(input, 'utf8').split('\n').filter((line) => line !== '');
  const results = await Promise.all(
    lines.map((line) =>
      limit(async () => {
        const { custom_id, body } = JSON.parse(line) as { custom_id: string; body: unknown };
        try {
          const completion = await client.chat.completions.create(body);
          return JSON.stringify({ custom_id, response: { status_code: 200, body: completion }, error: null });
        } catch (error) {
          return JSON.stringify({ custom_id, response: null, error: { code: 'failed', message: String(error) } });
        }
      }),
    ),
  );
  writeFileSync(out, `${results.join('\n')}\n`);
}

void main();

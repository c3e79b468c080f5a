/**
 * The floor: the least a Node program can do to run a Batch API input file —
 * a fixed pool of workers calling fetch, one response kept per line, results
 * written in input order. No validation, retries, timeouts, cache or progress.
 * Every other client is measured against it.
 *
 *   node dist/bench/clients/floorClient.js INPUT.jsonl --api-base URL --concurrency N --out FILE
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'api-base': { type: 'string' }, concurrency: { type: 'string' }, out: { type: 'string' } },
  });
  const [input] = positionals;
  const apiBase = values['api-base'];
  const out = values.out;
  const concurrency = Number(values.concurrency ?? '100');
  if (!input || !apiBase || !out || !Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write('usage: floorClient.js INPUT.jsonl --api-base URL --concurrency N --out FILE\n');
    process.exit(2);
  }
  const url = `${apiBase.replace(/\/+$/, '')}/chat/completions`;
  const lines = readFileSync(input, 'utf8').split('\n').filter((line) => line !== '');
  const results = new Array<string>(lines.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < lines.length; index = next++) {
      const { custom_id, body } = JSON.parse(lines[index]!) as { custom_id: string; body: unknown };
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const answer: unknown = await response.json();
        results[index] = JSON.stringify(
          response.ok
            ? { custom_id, response: { status_code: response.status, body: answer }, error: null }
            : { custom_id, response: null, error: { code: `http_${response.status}`, message: JSON.stringify(answer) } },
        );
      } catch (error) {
        results[index] = JSON.stringify({ custom_id, response: null, error: { code: 'failed', message: String(error) } });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  writeFileSync(out, `${results.join('\n')}\n`);
}

void main();

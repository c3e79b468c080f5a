import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchLine, runCli } from './reliabilityFixtures';
import type { CliRun } from './reliabilityFixtures';
import { useMockServer } from '../fixtures/useMockServer';

/**
 * Every file here is wrong somewhere. The CLI must name each problem at its
 * `file:line:col`, exit 2 and send nothing at all: a half-valid file never
 * sends half of its requests.
 */
describe('bad input (CLI)', () => {
  const server = useMockServer();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-bad-input-'));
  });

  async function refuse(name: string, content: string | Buffer, env: Record<string, string> = {}): Promise<CliRun> {
    writeFileSync(join(dir, name), content);
    const result = await runCli(['run', name, '--api-base', server.baseUrl, '--no-cache'], { cwd: dir, env });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(server.requests.length, 0, 'nothing was sent');
    assert.match(result.stderr, /nothing was sent|error/);
    return result;
  }

  it('reports broken lines, duplicate custom_ids, unsupported urls and oversized lines of a JSONL file, each at its place', async () => {
    const huge = batchLine('huge', 'x'.repeat(10 * 1024 * 1024 + 16));
    const lines = [
      batchLine('a', 'fine'),
      '{"custom_id": "broken", "method": "POST", "url": "/v1/chat/completions", "body": {"messages": [',
      batchLine('a', 'again'),
      JSON.stringify({ custom_id: 'embed', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'hi' } }),
      huge,
      'not json at all',
      batchLine('last', 'fine too'),
    ];
    const { stderr } = await refuse('mixed.jsonl', lines.join('\n') + '\n');
    assert.match(stderr, /^mixed\.jsonl:2:\d+: error: Line is not valid JSON/m);
    assert.match(stderr, /^mixed\.jsonl:3:\d+: error: custom_id "a" is used twice \(first on line 1\)/m);
    assert.match(stderr, /^mixed\.jsonl:4:\d+: error: url "\/v1\/embeddings" is not supported/m);
    assert.match(stderr, /^mixed\.jsonl:5:1: error: Line is 10\.0 MB, over the 10 MB limit/m);
    assert.match(stderr, /^mixed\.jsonl:6:1: error: Line is not valid JSON/m);
    assert.doesNotMatch(stderr, /^mixed\.jsonl:(1|7):/m, 'valid lines are not blamed');
    assert.ok(stderr.length < 10_000, 'the oversized line is not echoed back');
  });

  it('refuses a .llmbatch file whose @data file is missing', async () => {
    const { stderr } = await refuse('missing.llmbatch', '### classify\n@data = ./reviews.csv\nuser: Classify {{review}}\n');
    assert.match(stderr, /^missing\.llmbatch:2:9: error: reviews\.csv: no such file/m);
  });

  it('refuses malformed CSV data, naming the data file line', async () => {
    writeFileSync(join(dir, 'reviews.csv'), 'review,label\ngreat,positive\nawful,negative,extra\n"unclosed,positive\n');
    const { stderr } = await refuse('malformed.llmbatch', '### classify\n@data = ./reviews.csv\nuser: Classify {{review}}\n');
    assert.match(stderr, /^malformed\.llmbatch:2:9: error: reviews\.csv line 3: this row has 3 fields but the header has 2/m);
    assert.match(stderr, /^malformed\.llmbatch:2:9: error: reviews\.csv line 4: a quoted field is never closed/m);
  });

  it('refuses a data file that would make more requests than the limit, without running out of memory', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `review number ${i}`);
    writeFileSync(join(dir, 'huge.csv'), `review\n${rows.join('\n')}\n`);
    // Refusing costs about 110 MB of heap; expanding 200 000 requests would need far more than this cap.
    const { stderr } = await refuse('huge.llmbatch', '### classify\n@data = ./huge.csv\nuser: Classify {{review}}\n', { NODE_OPTIONS: '--max-old-space-size=192' });
    assert.match(stderr, /^huge\.llmbatch:1:1: error: this block makes 200,000 requests, which would take the file past the limit of 100,000/m);
  });

  it('refuses input files and data files that are not UTF-8, with the place of the first bad byte', async () => {
    const latin1 = Buffer.concat([Buffer.from('### greet\nuser: Bonjour, caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]);
    const llmbatch = await refuse('latin1.llmbatch', latin1);
    assert.match(llmbatch.stderr, /^latin1\.llmbatch:2:19: error: the file is not valid UTF-8 text/m);

    const jsonl = Buffer.concat([Buffer.from(`${batchLine('a', 'fine')}\n{"custom_id": "b", "x": "`), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const batch = await refuse('latin1.jsonl', jsonl);
    assert.match(batch.stderr, /^latin1\.jsonl:2:26: error: the file is not valid UTF-8 text/m);

    writeFileSync(join(dir, 'rows.csv'), Buffer.concat([Buffer.from('review\nok\nna'), Buffer.from([0xef]), Buffer.from('ve\n')]));
    const data = await refuse('data.llmbatch', '### classify\n@data = ./rows.csv\nuser: Classify {{review}}\n');
    assert.match(data.stderr, /^data\.llmbatch:2:9: error: rows\.csv: it is not valid UTF-8 text \(line 3/m);
  });

  it('refuses an --out path that cannot be written before sending anything', async () => {
    writeFileSync(join(dir, 'batch.jsonl'), `${batchLine('a', 'fine')}\n`);
    const result = await runCli(['run', 'batch.jsonl', '--api-base', server.baseUrl, '--no-cache', '--out', join(dir, 'missing-folder', 'results.jsonl')], { cwd: dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^llmbatch: cannot write .*missing-folder.*: ENOENT/m);
    assert.doesNotMatch(result.stderr, /Unhandled|    at /, 'a message, not a stack trace');
    assert.equal(server.requests.length, 0);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoingFault } from '../../mock/credentialEchoes';
import { addBatchApiRoutes } from '../../mock/batchApiRoutes';
import { InMemoryCache } from '../../../src/core/cache/inMemoryCache';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import { chatItem } from '../engine/engineFixtures';
import { batchLine, outputLines, runCli, textUnder } from './reliabilityFixtures';
import { useMockServer } from '../fixtures/useMockServer';
import { MockServer } from '../../mock/mockServer';

describe('API keys (CLI)', () => {
  const server = useMockServer();
  const elsewhere = useMockServer();

  it('never writes the key to the output, the cache, stdout or stderr, never sends it elsewhere, and redacts it from echoed errors', async () => {
    const canary = `sk-canary-${randomBytes(12).toString('hex')}`;
    server.setScript((ctx) => echoingFault(ctx, elsewhere.baseUrl));
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-keys-'));
    const input = join(dir, 'batch.jsonl');
    const questions = ['plain one', 'echo 401', 'echo headers', 'echo text', 'echo 2xx', 'echo html', 'redirect me', 'plain two'];
    writeFileSync(input, questions.map((question, i) => batchLine(`req-${i}`, question)).join('\n') + '\n');
    const out = join(dir, 'results.jsonl');
    const cache = join(dir, 'cache');

    const result = await runCli(['run', input, '--api-base', server.baseUrl, '--out', out, '--cache-dir', cache, '--retries', '1', '--retry-delay', '0.01'], { env: { OPENAI_API_KEY: canary } });
    assert.equal(result.code, 1, result.stderr);

    // The echoing server did echo it: the checks below would catch a leak.
    assert.equal(server.requests.length, questions.length + 2, 'each question once; the 502 and the HTML answer, being retryable, twice');
    for (const request of server.requests) assert.equal(request.headers.authorization, `Bearer ${canary}`);
    assert.equal(elsewhere.requests.length, 0, 'the redirect target received nothing, with or without a key');

    const lines = outputLines(readFileSync(out, 'utf8'));
    const byQuestion = new Map(lines.map((line, i) => [questions[i], line]));
    assert.equal(byQuestion.get('plain one')?.error, null);
    assert.equal(byQuestion.get('plain two')?.error, null);
    assert.equal(byQuestion.get('echo 401')?.error?.code, 'authentication');
    assert.match(byQuestion.get('echo 401')?.error?.message ?? '', /Incorrect API key provided: sk-\[redacted\]/);
    assert.match(byQuestion.get('echo headers')?.error?.message ?? '', /\[redacted\]/);
    assert.match(byQuestion.get('echo text')?.error?.message ?? '', /authorization: \[redacted\]|Bearer \[redacted\]/i);
    assert.equal(byQuestion.get('echo 2xx')?.error?.code, 'invalid_response');
    assert.equal(byQuestion.get('redirect me')?.error?.code, 'redirect');

    assert.ok(existsSync(cache) && textUnder(cache).length > 0, 'nothing was cached');
    const places = { output: readFileSync(out, 'utf8'), cache: textUnder(cache), stdout: result.stdout, stderr: result.stderr };
    for (const [place, text] of Object.entries(places)) {
      assert.ok(!text.includes(canary), `the key appears in ${place}`);
      assert.ok(!text.includes(canary.slice(10)), `the secret part of the key appears in ${place}`);
    }
    assert.match(result.stderr, /req-1: authentication: /, 'failures are still reported, only the key is hidden');

    // Only the two answers were cached, never a failure: a second run sends every other request again.
    server.setScript(undefined);
    server.resetRecords();
    const again = await runCli(['run', input, '--api-base', server.baseUrl, '--out', out, '--cache-dir', cache, '--retries', '0'], { env: { OPENAI_API_KEY: canary } });
    assert.equal(again.code, 0, again.stderr);
    const resent = server.requests.map((request) => (request.body as { messages: { content: string }[] }).messages[0]?.content).sort();
    assert.deepEqual(resent, questions.filter((question) => !question.startsWith('plain')).sort());
    assert.ok(!textUnder(cache).includes(canary.slice(10)), 'the key appears in the cache');
  });

  it('redacts a key without a recognisable prefix when a server quotes it back, whichever header carried it', async () => {
    // Azure-style keys are plain hex: no pattern can tell them from text, only the key itself can.
    const plainKey = randomBytes(16).toString('hex');
    server.setScript((ctx) => {
      const sent = String(ctx.headers['api-key'] ?? ctx.headers.authorization ?? '').replace(/^Bearer /, '');
      return { kind: 'status', status: 401, body: { error: { message: `Access denied: key ${sent} is not valid for this resource.` } } };
    });
    const viaBearer = new OpenAIProvider({ apiBase: server.baseUrl, apiKey: plainKey });
    const viaHeader = new OpenAIProvider({ apiBase: server.baseUrl, headers: { 'api-key': plainKey } });
    for (const provider of [viaBearer, viaHeader]) {
      const { results } = await new RequestManager(provider, { retryAttempts: 0 }).processBatch([chatItem('a', 'hello')]);
      const result = results[0]!;
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'authentication');
      assert.match(result.error.message, /Access denied: key \[redacted\] is not valid/);
      assert.ok(!result.error.message.includes(plainKey));
    }
  });

  it('keeps a key a server echoes in a successful answer out of the output, the cache, stdout and stderr, and the answer otherwise whole', async () => {
    const canary = `sk-canary-${randomBytes(12).toString('hex')}`;
    server.setScript((ctx) => echoingFault(ctx, elsewhere.baseUrl));
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-keys-'));
    const input = join(dir, 'batch.jsonl');
    const questions = ['echo answer please', 'echo escaped please', 'plain three'];
    writeFileSync(input, questions.map((question, i) => batchLine(`req-${i}`, question)).join('\n') + '\n');
    const out = join(dir, 'results.jsonl');
    const cache = join(dir, 'cache');
    const args = ['run', input, '--api-base', server.baseUrl, '--out', out, '--cache-dir', cache];

    const result = await runCli(args, { env: { OPENAI_API_KEY: canary } });
    assert.equal(result.code, 0, result.stderr);
    const lines = outputLines(readFileSync(out, 'utf8'));
    for (const line of lines.slice(0, 2)) {
      const body = line.response?.body;
      assert.match(body.choices[0].message.content, /^Sure\. The header you sent was "Authorization: Bearer \[redacted\]"\. mock: echo (answer|escaped) please$/);
      assert.equal(body.system_fingerprint, '[redacted]');
      assert.deepEqual(body.debug, { headers: { authorization: 'Bearer [redacted]' }, '[redacted]': 'as a field name' });
      assert.equal(line.response?.request_id, 'req_[redacted]');
    }
    assert.equal(lines[2]?.response?.body.choices[0].message.content, 'mock: plain three');

    // A second run answers from the cache: what it holds is what was written.
    server.resetRecords();
    const again = await runCli(args, { env: { OPENAI_API_KEY: canary } });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.requests.length, 0);
    const places = { output: readFileSync(out, 'utf8'), cache: textUnder(cache), stdout: result.stdout + again.stdout, stderr: result.stderr + again.stderr };
    assert.ok(places.cache.includes('[redacted]'), 'the answers were cached');
    for (const [place, text] of Object.entries(places)) {
      assert.ok(!text.includes(canary.slice(10)), `the key appears in ${place}`);
      assert.ok(!/\\u0073\\u006b\\u002d/i.test(text), `the escaped key appears in ${place}`);
    }
  });

  it('masks an api-key header value a server quotes in a successful answer, before the cache stores it', async () => {
    const plainKey = randomBytes(16).toString('hex');
    server.setScript((ctx) => ({ kind: 'ok', body: { id: 'c1', model: 'm', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `key ${String(ctx.headers['api-key'])} accepted` } }] } }));
    const cache = new InMemoryCache();
    const provider = new OpenAIProvider({ apiBase: server.baseUrl, headers: { 'api-key': plainKey } });
    const { results } = await new RequestManager(provider, { retryAttempts: 0, cache }).processBatch([chatItem('a', 'hello')]);
    const result = results[0]!;
    assert.ok(result.ok);
    assert.equal(result.response.choices[0]?.message.content, 'key [redacted] accepted');
    const { results: cached } = await new RequestManager(provider, { cache }).processBatch([chatItem('a', 'hello')]);
    assert.ok(cached[0]?.ok && cached[0].cached);
    assert.ok(!JSON.stringify(cached[0]).includes(plainKey));
  });

  it('keeps a key echoed in Batch API results out of the cache, the job file, the results and the terminal', async () => {
    const canary = `sk-canary-${randomBytes(12).toString('hex')}`;
    const batchServer = await MockServer.start();
    try {
      addBatchApiRoutes(batchServer, { echoCredentials: true, failLine: ({ customId }) => (customId === 'req-1' ? { status: 400, message: `key ${canary} may not use this model` } : undefined) });
      const dir = mkdtempSync(join(tmpdir(), 'llmbatch-keys-batch-'));
      const input = join(dir, 'batch.jsonl');
      writeFileSync(input, ['first', 'second', 'third'].map((question, i) => batchLine(`req-${i}`, question)).join('\n') + '\n');
      const cache = join(dir, 'cache');
      const common = ['--api-base', batchServer.baseUrl, '--cache-dir', cache];
      const env = { OPENAI_API_KEY: canary };
      const submitted = await runCli(['submit', input, ...common], { env, cwd: dir });
      assert.equal(submitted.code, 0, submitted.stderr);
      const out = join(dir, 'results.jsonl');
      const waited = await runCli(['status', '--wait', '--poll-interval', '0.02', '--out', out, ...common], { env, cwd: dir });
      assert.equal(waited.code, 1, waited.stderr);
      const lines = outputLines(readFileSync(out, 'utf8'));
      assert.equal(lines[0]?.response?.body.choices[0].message.content, 'Your header: authorization: Bearer [redacted]. mock: first');
      assert.equal(lines[0]?.response?.body.system_fingerprint, '[redacted]');
      assert.equal(lines[1]?.error?.message, 'key [redacted] may not use this model');
      const places = { output: readFileSync(out, 'utf8'), cache: textUnder(cache), stdout: submitted.stdout + waited.stdout, stderr: submitted.stderr + waited.stderr };
      for (const [place, text] of Object.entries(places)) assert.ok(!text.includes(canary.slice(10)), `the key appears in ${place}`);
    } finally {
      await batchServer.close();
    }
  });
});

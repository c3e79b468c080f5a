import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoingFault } from '../../mock/credentialEchoes';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { RequestManager } from '../../../src/core/engine/requestManager';
import { chatItem } from '../engine/engineFixtures';
import { batchLine, outputLines, runCli, textUnder } from './reliabilityFixtures';
import { useMockServer } from '../fixtures/useMockServer';

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
});

import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MockServer } from '../../mock/mockServer';
import { useMockServer } from '../fixtures/useMockServer';

// The built CLI, exactly as users run it (npm test builds it first).
const cli = resolve('dist/cli.js');

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI asynchronously: the mock server lives in this process and must keep answering. */
function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env };
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

function batchLine(customId: string, content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra } });
}

function outputLines(text: string): any[] {
  return text.trim().split('\n').map((line) => JSON.parse(line));
}

describe('llmbatch run (CLI)', () => {
  const server = useMockServer();
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-cli-'));
  });

  it('answers every line in order despite 429s, 500s and resets, and a second run sends nothing', async () => {
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, Array.from({ length: 40 }, (_, i) => batchLine(`req-${i}`, `question ${i}`)).join('\n') + '\n');
    server.setScript(({ body, attemptForBody }) => {
      const n = Number(/question (\d+)/.exec(JSON.stringify(body))?.[1]);
      if (attemptForBody > 1) return undefined;
      if (n % 5 === 0) return { kind: 'status', status: 429, headers: { 'retry-after-ms': '20' } };
      if (n % 7 === 0) return { kind: 'status', status: 500 };
      if (n % 11 === 0) return { kind: 'reset' };
      return undefined;
    });
    const args = ['run', input, '--api-base', server.baseUrl, '--cache-dir', join(dir, 'cache'), '--retry-delay', '0.01'];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    const lines = outputLines(first.stdout);
    assert.deepEqual(lines.map((line) => line.custom_id), Array.from({ length: 40 }, (_, i) => `req-${i}`));
    for (const [i, line] of lines.entries()) {
      assert.equal(line.error, null);
      assert.equal(line.response.status_code, 200);
      assert.equal(line.response.body.choices[0].message.content, `mock: question ${i}`);
      assert.equal(typeof line.llmbatch.latency_ms, 'number');
    }
    assert.ok(lines[5].llmbatch.attempts >= 2, 'the 429 was retried');
    assert.match(first.stderr, /40 requests · 0 failed · 0 cached/);

    server.resetRecords();
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(server.requests.length, 0, 'the second run is answered from the cache');
    assert.ok(outputLines(second.stdout).every((line) => line.llmbatch.cached === true));
    assert.match(second.stderr, /40 cached/);
  });

  it('exits 1 when some requests fail, still writing every line, without retrying a 400', async () => {
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, [batchLine('good', 'fine'), batchLine('bad', 'reject me'), batchLine('also-good', 'fine too')].join('\n'));
    server.setScript(({ body }) =>
      JSON.stringify(body).includes('reject me') ? { kind: 'status', status: 400, body: { error: { message: 'Invalid value for temperature', type: 'invalid_request_error' } } } : undefined,
    );
    const run = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache']);
    assert.equal(run.code, 1);
    const lines = outputLines(run.stdout);
    assert.deepEqual(lines.map((line) => line.custom_id), ['good', 'bad', 'also-good']);
    assert.equal(lines[1].error.code, 'bad_request');
    assert.match(lines[1].error.message, /Invalid value for temperature/);
    assert.equal(lines[1].llmbatch.attempts, 1);
    assert.equal(server.requests.filter((r) => JSON.stringify(r.body).includes('reject me')).length, 1);
    assert.match(run.stderr, /bad: bad_request: .*Invalid value for temperature/);
  });

  it('refuses invalid input with file:line:col errors, exit 2, and sends nothing', async () => {
    const input = join(dir, 'broken.jsonl');
    writeFileSync(input, [batchLine('a', 'x'), batchLine('a', 'y'), '{"custom_id": "c",'].join('\n'));
    const run = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache'], { cwd: dir });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^broken\.jsonl:2:\d+: error: custom_id "a" is used twice/m);
    assert.match(run.stderr, /^broken\.jsonl:3:\d+: error: /m);
    assert.equal(run.stdout, '');
    assert.equal(server.requests.length, 0);
  });

  it('reports .llmbatch mistakes at their line and column', async () => {
    const input = join(dir, 'bad.llmbatch');
    writeFileSync(input, '@model = gpt-4o-mini\n@temperature = 3\n\n### greet\nuser: Hello {{nmae}}\n');
    const run = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache'], { cwd: dir });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^bad\.llmbatch:2:16: error: temperature must be between 0 and 2 \(got 3\)/m);
    assert.match(run.stderr, /^bad\.llmbatch:5:\d+: error: .*nmae/m);
    assert.equal(server.requests.length, 0);
  });

  it('sends the key only to the configured base URL and refuses a file that points it elsewhere', async () => {
    const other = await MockServer.start();
    try {
      const input = join(dir, 'redirect.llmbatch');
      writeFileSync(input, `@model = gpt-4o-mini\n@api_base = ${other.baseUrl}\n\n### hi\nuser: hello\n`);
      const env = { OPENAI_API_KEY: 'sk-canary-123' };
      const refused = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache'], { env, cwd: dir });
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^redirect\.llmbatch:2:\d+: error: @api_base .* will not be sent there/m);
      assert.equal(other.requests.length + server.requests.length, 0);
      assert.doesNotMatch(refused.stderr, /sk-canary/);

      const allowed = join(dir, 'plain.llmbatch');
      writeFileSync(allowed, '@model = gpt-4o-mini\n\n### hi\nuser: hello\n');
      const sent = await runCli(['run', allowed, '--api-base', server.baseUrl, '--no-cache'], { env, cwd: dir });
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(server.requests[0]?.headers.authorization, 'Bearer sk-canary-123');
      assert.doesNotMatch(sent.stdout + sent.stderr, /sk-canary/);
    } finally {
      await other.close();
    }
  });

  it('writes --out only when the run ends, and --dry-run sends nothing', async () => {
    const input = join(dir, 'sweep.llmbatch');
    writeFileSync(input, '@model = ["gpt-4o-mini", "gpt-4.1-nano"]\n\n### t\n@x = [1, 2, 3]\nuser: number {{x}}\n');
    const dry = await runCli(['run', input, '--api-base', server.baseUrl, '--dry-run'], { cwd: dir });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /6 requests to openai \(http:\/\/127\.0\.0\.1:\d+\/v1\) — nothing was sent/);
    assert.match(dry.stdout, /Cost at most \$/);
    assert.equal(server.requests.length, 0);

    const out = join(dir, 'results.jsonl');
    const run = await runCli(['run', input, '--api-base', server.baseUrl, '--out', out, '--quiet'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, '', '--quiet prints nothing on success');
    assert.equal(outputLines(readFileSync(out, 'utf8')).length, 6);
    assert.equal(existsSync(`${out}.partial`), false);
    assert.ok(existsSync(join(dir, '.llmbatch-cache')), 'the default cache sits beside the input when no project root is found');
  });

  it('runs offline with --provider echo and explains a missing key', async () => {
    const input = join(dir, 'offline.llmbatch');
    writeFileSync(input, '### hi\nuser: hello there\n');
    const noKey = await runCli(['run', input, '--no-cache'], { cwd: dir });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /no API key for provider "openai": set OPENAI_API_KEY/);
    const echo = await runCli(['run', input, '--provider', 'echo', '--no-cache'], { cwd: dir });
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(outputLines(echo.stdout)[0].response.body.choices[0].message.content, 'Echo: hello there');
  });

  it('prints usage on bad arguments with exit 2', async () => {
    const run = await runCli(['run']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing <input>/);
    assert.match(run.stderr, /Usage: llmbatch run/);
    const missing = await runCli(['run', join(dir, 'nope.jsonl')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.jsonl: no such file/);
  });
});

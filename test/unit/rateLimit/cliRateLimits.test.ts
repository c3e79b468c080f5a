import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCommandLine, UsageError } from '../../../src/cli/args';
import { describeProgress } from '../../../src/cli/progressBar';
import type { ProgressEvent } from '../../../src/core/engine/progressTracker';
import { useMockServer } from '../fixtures/useMockServer';

const cli = resolve('dist/cli.js');

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '' } }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

function writeBatch(dir: string, count: number, header = ''): string {
  const path = join(dir, 'batch.llmbatch');
  const blocks = Array.from({ length: count }, (_, i) => `### q${i}\nuser: question ${i}`).join('\n');
  writeFileSync(path, `${header}@provider = openai\n@model = gpt-4o-mini\n@max_completion_tokens = 20\n${blocks}\n`);
  return path;
}

const progress = (overrides: Partial<ProgressEvent>): ProgressEvent => ({
  done: 37,
  total: 120,
  failed: 0,
  cached: 0,
  cacheHitRatio: 0,
  inFlight: 4,
  promptTokens: 0,
  completionTokens: 0,
  tokensPerSecond: 0,
  elapsedMs: 1_000,
  concurrency: 100,
  rateLimited: false,
  rateLimited429s: 0,
  ...overrides,
});

describe('rate limits on the command line', () => {
  it('reads --rpm and --tpm, and refuses budgets that are not positive numbers', () => {
    const command = parseCommandLine(['run', 'a.llmbatch', '--rpm', '500', '--tpm', '30000']);
    assert.equal(command.kind, 'run');
    if (command.kind !== 'run') return;
    assert.equal(command.options.rpm, 500);
    assert.equal(command.options.tpm, 30_000);
    assert.throws(() => parseCommandLine(['run', 'a.llmbatch', '--rpm', '0']), UsageError);
    assert.throws(() => parseCommandLine(['run', 'a.llmbatch', '--tpm', 'lots']), /--tpm must be/);
  });

  it('shows a pause for the rate limit, and the 429s met with the in-flight limit they left', () => {
    assert.equal(describeProgress(progress({ rateLimited: true, waitingForBudgetMs: 12_000 })), '37/120 · waiting for rate limit · resumes in 12.0 s');
    assert.equal(describeProgress(progress({ rateLimited: true, waitingForBudgetMs: 40 })), '37/120', 'pacing by a few milliseconds is not a pause');
    assert.equal(describeProgress(progress({ rateLimited429s: 3, concurrency: 25 })), '37/120 · 3 × 429 · 25 in flight at most');
  });

  describe('llmbatch run against a rate-limited server', () => {
    const server = useMockServer();
    let dir: string;

    /**
     * How far apart the 2nd to the last request reached the server. 600 a minute
     * is 10 a second, so the ten gaps take a second when sent; the first request,
     * which also opens the connection, is left out as arrival times can bunch up behind it.
     */
    const spreadMs = () => {
      const times = server.requests.map((request) => request.time).sort((a, b) => a - b).slice(1);
      return times.length < 2 ? 0 : times[times.length - 1]! - times[0]!;
    };

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'llmbatch-rate-'));
    });

    it('spreads the requests under --rpm instead of sending them at once', async () => {
      server.setRateLimit(undefined);
      const input = writeBatch(dir, 12);
      const run = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache', '--rpm', '600', '--concurrency', '12']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /12 requests · 0 failed/);
      assert.doesNotMatch(run.stderr, /× 429/);
      assert.ok(spreadMs() >= 600, `sent over ${spreadMs()} ms`);
    });

    it('spreads the requests under the file\'s own @rpm', async () => {
      server.setRateLimit(undefined);
      const input = writeBatch(dir, 12, '@rpm = 600\n');
      const run = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache', '--concurrency', '12']);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(spreadMs() >= 600, `sent over ${spreadMs()} ms`);
    });

    it('stays under the limits a server announces, with nothing configured', async () => {
      server.setRateLimit({ rpm: 600 });
      const input = writeBatch(dir, 12);
      const run = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache', '--concurrency', '12']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(server.rateLimited, 0);
      assert.doesNotMatch(run.stderr, /× 429/);
    });

    it('counts the 429s it met in the summary', async () => {
      server.setRateLimit(undefined);
      server.setScript(({ body, attemptForBody }) => (attemptForBody === 1 && /question [12]"/.test(JSON.stringify(body)) ? { kind: 'status', status: 429, headers: { 'retry-after-ms': '10' } } : undefined));
      const input = writeBatch(dir, 4);
      const run = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache', '--retry-delay', '0.01']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /4 requests · 0 failed .* · 2 × 429/);
    });
  });
});

import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../../src/cli/main';
import { MockServer } from '../../mock/mockServer';
import { addBatchApiRoutes } from '../../mock/batchApiRoutes';
import type { MockBatchApi } from '../../mock/batchApiRoutes';
import { useMockServer } from '../fixtures/useMockServer';

// The built CLI, exactly as users run it (npm test builds it first).
const cli = resolve('dist/cli.js');
const key = 'sk-test-batch-0123456789abcdef';

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process; every call opens the job file and cache anew, as a new process would. */
async function runMain(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await main(args, {
    env: { ...options.env },
    cwd: options.cwd ?? process.cwd(),
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
  });
  return { code, stdout, stderr };
}

/** Runs the built CLI in its own process, exactly as users run it: the mock server lives in this one. */
function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env };
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

function batchLine(customId: string, content: string): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] } });
}

function outputLines(text: string): any[] {
  return text.trim().split('\n').map((line) => JSON.parse(line));
}

describe('llmbatch submit / status / cancel (CLI)', () => {
  const server = useMockServer();
  let batch: MockBatchApi;
  let dir: string;
  let input: string;
  const dirs: string[] = [];
  const ids = Array.from({ length: 7 }, (_, i) => `req-${i}`);

  before(() => {
    batch = addBatchApiRoutes(server);
  });
  beforeEach(() => {
    batch.behaviour = {};
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-batch-cli-'));
    dirs.push(dir);
    input = join(dir, 'questions.jsonl');
    writeFileSync(input, ids.map((id, i) => batchLine(id, `question ${i}`)).join('\n') + '\n');
  });
  after(() => dirs.forEach((path) => rmSync(path, { recursive: true, force: true })));

  const common = () => ['--api-base', server.baseUrl, '--cache-dir', join(dir, 'cache')];
  const env = { OPENAI_API_KEY: key };
  const chatRequests = () => server.requests.filter((request) => request.path === '/v1/chat/completions');

  it('submits, waits, writes the results in input order into --out, fills the cache, and a later run sends nothing', async () => {
    const submitted = await runMain(['submit', input, ...common()], { env, cwd: dir });
    assert.equal(submitted.code, 0, submitted.stderr);
    const jobIds = submitted.stdout.trim().split('\n');
    assert.equal(jobIds.length, 1);
    assert.ok(batch.jobs.has(jobIds[0]!));
    assert.match(submitted.stderr, /submitted 7 requests in 1 job/);
    assert.match(submitted.stderr, /estimated cost at most \$\S+ through the Batch API \(\$\S+ live\)/);
    const upload = server.requests.find((request) => request.path === '/v1/files');
    assert.match(String(upload?.headers['content-type']), /^multipart\/form-data/);
    const create = server.requests.find((request) => request.path === '/v1/batches')?.body as Record<string, unknown>;
    assert.equal(create.endpoint, '/v1/chat/completions');
    assert.equal(create.completion_window, '24h');

    const out = join(dir, 'results.jsonl');
    const waited = await runMain(['status', '--wait', '--poll-interval', '0.02', '--out', out, ...common()], { env, cwd: dir });
    assert.equal(waited.code, 0, waited.stderr);
    const lines = outputLines(readFileSync(out, 'utf8'));
    assert.deepEqual(lines.map((line) => line.custom_id), ids);
    assert.deepEqual(lines.map((line) => line.response.body.choices[0].message.content), ids.map((_, i) => `mock: question ${i}`));
    assert.ok(lines.every((line) => line.error === null && line.llmbatch.via === 'batch'));
    assert.equal(chatRequests().length, 0);

    const run = await runMain(['run', input, ...common()], { env, cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(chatRequests().length, 0, 'every answer came from the cache');
    assert.match(run.stderr, /7 requests · 0 failed · 7 cached/);

    const listed = await runMain(['status', ...common()], { env, cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${jobIds[0]}\\s+completed\\s+7 requests`));
  });

  it('follows jobs across processes: a job submitted by one is listed by the next and collected by a third', async () => {
    batch.behaviour = { advanceOnPoll: false };
    const submitted = await runCli(['submit', input, '--max-per-job', '3', ...common()], { env, cwd: dir });
    assert.equal(submitted.code, 0, submitted.stderr);
    const jobIds = submitted.stdout.trim().split('\n');
    assert.equal(jobIds.length, 3, 'seven requests at three per job make three jobs');
    assert.deepEqual(jobIds.map((id) => batch.jobs.get(id)?.lines.length), [3, 3, 1]);

    const listed = await runMain(['status', ...common()], { env, cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    for (const id of jobIds) assert.match(listed.stdout, new RegExp(`${id}\\s+validating`));

    for (const id of jobIds) batch.complete(id);
    const waited = await runCli(['status', '--wait', '--poll-interval', '0.02', ...common()], { env, cwd: dir });
    assert.equal(waited.code, 0, waited.stderr);
    assert.deepEqual(outputLines(waited.stdout).map((line) => line.custom_id), ids);
  });

  it('keeps the answers of an expired job, exits 1, and a live run sends only the rest', async () => {
    batch.behaviour = { expireAfter: 5, failLine: ({ customId }) => (customId === 'req-1' ? { status: 400, message: 'bad request for req-1' } : undefined) };
    assert.equal((await runMain(['submit', input, ...common()], { env, cwd: dir })).code, 0);
    const waited = await runMain(['status', '--wait', '--poll-interval', '0.02', ...common()], { env, cwd: dir });
    assert.equal(waited.code, 1, waited.stderr);
    const lines = outputLines(waited.stdout);
    assert.deepEqual(
      lines.map((line) => (line.error === null ? 'ok' : line.error.code)),
      ['ok', 'invalid_request_error', 'ok', 'ok', 'ok', 'batch_expired', 'batch_expired'],
    );
    assert.equal(lines[1].response.status_code, 400);
    assert.equal(lines[1].error.message, 'bad request for req-1');
    assert.match(waited.stderr, /llmbatch run .*questions\.jsonl` sends just these 3 live/);

    const run = await runMain(['run', input, ...common()], { env, cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(chatRequests().map((request) => (request.body as { messages: { content: string }[] }).messages[0]!.content).sort(), ['question 1', 'question 5', 'question 6']);
  });

  it('refuses a --out directory before following any job, and writes the results once given a file', async () => {
    assert.equal((await runMain(['submit', input, ...common()], { env, cwd: dir })).code, 0);
    mkdirSync(join(dir, 'results'));
    server.resetRecords();
    const refused = await runMain(['status', '--wait', '--poll-interval', '0.02', '--out', 'results', ...common()], { env, cwd: dir });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^llmbatch: cannot write results: EISDIR: it is a directory$/m);
    assert.equal(server.requests.length, 0, 'no job was polled or downloaded');
    assert.deepEqual(readdirSync(join(dir, 'results')), []);

    const written = await runMain(['status', '--wait', '--poll-interval', '0.02', '--out', 'results.jsonl', ...common()], { env, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    assert.deepEqual(outputLines(readFileSync(join(dir, 'results.jsonl'), 'utf8')).map((line) => line.custom_id), ids);
  });

  it('cancels a job by id', async () => {
    batch.behaviour = { advanceOnPoll: false };
    const submitted = await runMain(['submit', input, ...common()], { env, cwd: dir });
    const jobId = submitted.stdout.trim();
    const cancelled = await runMain(['cancel', jobId, ...common()], { env, cwd: dir });
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(cancelled.stdout.trim(), `${jobId}\tcancelling`);
    const waited = await runMain(['status', jobId, '--wait', '--poll-interval', '0.02', ...common()], { env, cwd: dir });
    assert.equal(waited.code, 1);
    assert.ok(outputLines(waited.stdout).every((line) => line.error.code === 'batch_cancelled'));
    assert.equal((await runMain(['cancel', 'batch_unknown', ...common()], { env, cwd: dir })).code, 2);
  });

  it('sends the key only to the configured base URL', async () => {
    const other = await MockServer.start();
    try {
      assert.equal((await runMain(['submit', input, ...common()], { env, cwd: dir })).code, 0);
      assert.ok(server.requests.length > 0);
      assert.ok(server.requests.every((request) => request.headers.authorization === `Bearer ${key}`));

      // Following the jobs while another base URL is configured must not carry the key to either host.
      server.resetRecords();
      const elsewhere = await runMain(['status', '--api-base', other.baseUrl, '--cache-dir', join(dir, 'cache')], { env, cwd: dir });
      assert.match(elsewhere.stderr, /not sent there\. Pass --api-base http:\/\/127\.0\.0\.1:\d+\/v1 to follow them/);
      assert.equal(server.requests.length, 0);
      assert.equal(other.requests.length, 0);

      // A file that points its requests at another host is refused before anything is uploaded.
      const redirected = join(dir, 'redirected.llmbatch');
      writeFileSync(redirected, `@model = gpt-4o-mini\n@api_base = ${other.baseUrl}\n\n### ask\nuser: hello\n`);
      const refused = await runMain(['submit', redirected, ...common()], { env, cwd: dir });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /^redirected\.llmbatch:2:\d+: error: @api_base .* will not be sent there/m);
      assert.match(refused.stderr, /nothing was submitted/);
      assert.equal(server.requests.length, 0);
      assert.equal(other.requests.length, 0);
    } finally {
      await other.close();
    }
  });
});

import { after, before, beforeEach } from 'node:test';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MockServer } from '../../mock/mockServer';

// The built CLI, exactly as users run it (npm test builds it first).
const cli = resolve('dist/cli.js');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface StartedCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliRun>;
}

/**
 * Starts the CLI without blocking: the mock server lives in this process and
 * must keep answering. Only PATH and the given variables reach the child, so a
 * developer's real key can never be used by a test.
 */
export function startCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): StartedCli {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env };
  const child = spawn(process.execPath, [cli, ...args], { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const done = new Promise<CliRun>((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolveRun({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
  });
  return { child, done };
}

/**
 * The mock server for the suite it is called in, with its records cleared and a
 * fresh scratch folder (`dir`, named after `prefix`) for each test.
 */
export function useMockServer(prefix: string): { readonly server: MockServer; readonly dir: string } {
  const context = {} as { server: MockServer; dir: string };
  before(async () => {
    context.server = await MockServer.start();
  });
  after(async () => {
    await context.server.close();
  });
  beforeEach(() => {
    context.server.resetRecords();
    context.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  return context;
}

export function runCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

/** One OpenAI Batch input line asking `content` of a test model. */
export function batchLine(customId: string, content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra } });
}

/** A batch file of `count` lines `req-<i>` asking `question <i>`. */
export function batchText(count: number, prefix = 'question'): string {
  return Array.from({ length: count }, (_, i) => batchLine(`req-${i}`, `${prefix} ${i}`)).join('\n') + '\n';
}

export interface OutputLine {
  readonly id: string;
  readonly custom_id: string;
  readonly response: { status_code: number; request_id: string | null; body: any } | null;
  readonly error: { code: string; message: string } | null;
  readonly llmbatch: { cached: boolean; attempts: number; latency_ms: number };
}

export function outputLines(text: string): OutputLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutputLine);
}

/** An output line without what legitimately differs between two runs: metadata, ids, timestamps. */
export function comparable(line: OutputLine): unknown {
  const body = line.response?.body;
  const stableBody = body && typeof body === 'object' ? { ...body, id: undefined, created: undefined } : body;
  return { id: line.id, custom_id: line.custom_id, error: line.error, response: line.response && { status_code: line.response.status_code, body: stableBody } };
}

/** Every file below `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The text of every file below `dir`, for leak checks. */
export function textUnder(dir: string): string {
  return filesUnder(dir)
    .map((file) => readFileSync(file, 'latin1'))
    .join('\n');
}

/** Resolves once `condition` holds, checking every few milliseconds; rejects after `limitMs`. */
export async function waitFor(condition: () => boolean, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((done) => setTimeout(done, 2));
  }
}

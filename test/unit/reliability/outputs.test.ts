import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import type { JournalFileSystem } from '../../../src/core/cache/journalFileSystem';
import { MockServer } from '../../mock/mockServer';
import { brokenStream, collectingStream, failingOutputFs } from '../cli/failingOutputFs';
import type { FailingFsOptions } from '../cli/failingOutputFs';
import { batchText, outputLines, runCli, startCli, waitFor } from './reliabilityFixtures';

/**
 * Where results go: `--out` is checked whole before anything is sent, never
 * replaces anything but a regular file, and streams into FIFOs and devices. A
 * disk that fills up (a twin of /dev/full, or file systems that fail on cue in
 * this process) never loses an answer that was paid for, and a full cache
 * costs one warning, not one empty file per answer.
 */
describe('--out targets and full disks (CLI)', () => {
  let server: MockServer;
  let dir: string;
  const dirs: string[] = [];
  before(async () => {
    server = await MockServer.start();
  });
  after(async () => {
    await server.close();
    for (const path of dirs) rmSync(path, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.resetRecords();
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-outputs-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'batch.jsonl'), batchText(12));
  });

  const run = (out: string, extra: string[] = [], env: Record<string, string> = {}) =>
    runCli(['run', 'batch.jsonl', '--api-base', server.baseUrl, '--no-cache', '--out', out, ...extra], { cwd: dir, env });

  async function refused(out: string, message: RegExp): Promise<void> {
    const before = readdirSync(dir).sort();
    const result = await run(out);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /nothing was sent/);
    assert.equal(server.requests.length, 0, 'nothing was sent');
    assert.deepEqual(readdirSync(dir).sort(), before, 'nothing was created beside it');
  }

  it('refuses a directory before sending anything, and leaves it alone', async () => {
    mkdirSync(join(dir, 'results'));
    writeFileSync(join(dir, 'results', 'keep.txt'), 'mine');
    await refused('results', /cannot write results: EISDIR: it is a directory/);
    assert.deepEqual(readdirSync(join(dir, 'results')), ['keep.txt']);
  });

  it('refuses a folder that does not exist, a "folder" that is a file, and a dangling symbolic link, before sending anything', async () => {
    await refused(join('missing', 'results.jsonl'), /cannot write missing[\\/]results\.jsonl: ENOENT: the folder .*missing does not exist/);
    writeFileSync(join(dir, 'plain.txt'), 'not a folder');
    await refused(join('plain.txt', 'results.jsonl'), /cannot write plain\.txt[\\/]results\.jsonl: ENOTDIR: .*plain\.txt is not a folder/);
    symlinkSync(join(dir, 'gone.jsonl'), join(dir, 'dangling.jsonl'));
    await refused('dangling.jsonl', /cannot write dangling\.jsonl: ENOENT: it is a symbolic link to .*gone\.jsonl, which does not exist/);
    assert.ok(lstatSync(join(dir, 'dangling.jsonl')).isSymbolicLink());
  });

  it('refuses a stale .partial that is not a regular file instead of writing through it', async () => {
    mkdirSync(join(dir, 'results.jsonl.partial'));
    await refused('results.jsonl', /cannot write results\.jsonl: .*results\.jsonl\.partial is in the way and is not a regular file/);
  });

  it('never writes through a link planted at FILE.partial', async () => {
    writeFileSync(join(dir, 'victim.txt'), 'precious\n');
    symlinkSync(join(dir, 'victim.txt'), join(dir, 'results.jsonl.partial'));
    const result = await run('results.jsonl');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(join(dir, 'victim.txt'), 'utf8'), 'precious\n');
    assert.ok(lstatSync(join(dir, 'results.jsonl')).isFile());
    assert.equal(outputLines(readFileSync(join(dir, 'results.jsonl'), 'utf8')).length, 12);
    assert.equal(existsSync(join(dir, 'results.jsonl.partial')), false);
  });

  it('writes through a symbolic link to a regular file: the link stays, its target gets the results with its permissions', async () => {
    mkdirSync(join(dir, 'store'));
    const target = join(dir, 'store', 'latest.jsonl');
    writeFileSync(target, 'old results\n');
    chmodSync(target, 0o640);
    symlinkSync(target, join(dir, 'results.jsonl'));
    const result = await run('results.jsonl');
    assert.equal(result.code, 0, result.stderr);
    assert.ok(lstatSync(join(dir, 'results.jsonl')).isSymbolicLink(), 'the link is still a link');
    assert.equal(readlinkSync(join(dir, 'results.jsonl')), target);
    assert.deepEqual(outputLines(readFileSync(target, 'utf8')).map((line) => line.custom_id), Array.from({ length: 12 }, (_, i) => `req-${i}`));
    assert.equal(statSync(target).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(join(dir, 'store')), ['latest.jsonl'], 'no .partial is left');
  });

  it('streams into a FIFO: waits for a reader before sending anything, the reader gets every line, the FIFO stays a FIFO', async () => {
    const fifo = join(dir, 'results.fifo');
    execFileSync('mkfifo', [fifo]);
    const cli = startCli(['run', 'batch.jsonl', '--api-base', server.baseUrl, '--no-cache', '--out', 'results.fifo'], { cwd: dir });
    let stderr = '';
    cli.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => /waiting for a reader of results\.fifo/.test(stderr));
    assert.equal(server.requests.length, 0, 'nothing is sent while nobody reads');
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (chunk: Buffer) => (read += chunk.toString()));
    const readerDone = new Promise((done) => reader.once('close', done));
    const result = await cli.done;
    await readerDone;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(outputLines(read).map((line) => line.custom_id), Array.from({ length: 12 }, (_, i) => `req-${i}`));
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO was not replaced');
    assert.equal(existsSync(`${fifo}.partial`), false);
  });

  it('writes --out /dev/stdout to its standard output', async () => {
    const result = await runCli(['run', 'batch.jsonl', '--api-base', server.baseUrl, '--no-cache', '--out', '/dev/stdout'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(outputLines(result.stdout).length, 12);
    assert.ok(lstatSync('/dev/stdout').isSymbolicLink());
  });

  it('keeps every answer of a --no-cache run when the output device is full: exit 4, the device untouched, the results in a file the message names', async () => {
    const device = fullDevice(dir);
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    const result = await run(device, [], { TMPDIR: temp });
    assert.equal(result.code, 4, result.stderr);
    assert.equal(server.requests.length, 12, 'each request was sent once');
    assert.match(result.stderr, /cannot write .*: ENOSPC/);
    assert.ok(statSync(device).isCharacterDevice(), 'the device was not replaced');
    const fallback = /all 12 results are in (\S+)/.exec(result.stderr)?.[1];
    assert.ok(fallback, result.stderr);
    assert.equal(join(fallback, '..'), temp);
    assert.deepEqual(outputLines(readFileSync(fallback, 'utf8')).map((line) => line.custom_id), Array.from({ length: 12 }, (_, i) => `req-${i}`));
    assert.equal(statSync(fallback).mode & 0o777, 0o600, 'answers may be private: only the owner reads the fallback');
    assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, 'no stack trace');
  });


  /** Runs the CLI in this process, with a disk that fails as told under `--out`. */
  async function runWithFailingDisk(count: number, failing: FailingFsOptions, stdout = collectingStream()) {
    writeFileSync(join(dir, 'batch.jsonl'), batchText(count));
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    const stderr = collectingStream();
    const args = ['run', 'batch.jsonl', '--api-base', server.baseUrl, '--no-cache', '--concurrency', '4', '--out', 'results.jsonl'];
    const code = await main(args, { env: { TMPDIR: temp }, cwd: dir, stdout, stderr, outputFs: failingOutputFs(failing) });
    return { code, stderr: stderr.text, temp };
  }

  it('keeps every paid answer of a --no-cache run when the disk fills up at the second write: exit 4, each request sent once, all results in the file named', async () => {
    const { code, stderr, temp } = await runWithFailingDisk(600, { where: (path) => path.startsWith(join(dir, 'results')), fromWrite: 2 });
    assert.equal(code, 4, stderr);
    assert.equal(server.requests.length, 600);
    assert.match(stderr, /^llmbatch: cannot write results\.jsonl: ENOSPC: no space left on device/m);
    const fallback = /^llmbatch: all 600 results are in (\S+)$/m.exec(stderr)?.[1];
    assert.ok(fallback, stderr);
    assert.equal(join(fallback, '..'), temp);
    assert.deepEqual(outputLines(readFileSync(fallback, 'utf8')).map((line) => line.custom_id), Array.from({ length: 600 }, (_, i) => `req-${i}`));
    assert.deepEqual(readdirSync(dir).sort(), ['batch.jsonl', 'tmp'], 'no results.jsonl that looks complete, no .partial left');
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });

  it('stops sending once results can be written nowhere, and says which results are where', async () => {
    const { code, stderr } = await runWithFailingDisk(1000, { where: () => true, fromWrite: 1, code: 'EIO' }, brokenStream() as ReturnType<typeof collectingStream>);
    assert.equal(code, 4, stderr);
    assert.ok(server.requests.length < 1000, `the run stopped (${server.requests.length} sent)`);
    assert.match(stderr, /cannot write results\.jsonl: EIO/);
    assert.match(stderr, /^llmbatch: \d+ results could not be written anywhere; the run was stopped$/m);
  });

  it('goes on when the cache disk is full: every answer delivered, one warning, no journal left behind, three tries', async () => {
    writeFileSync(join(dir, 'batch.jsonl'), batchText(2_000));
    let opened = 0;
    const fullDisk: JournalFileSystem = {
      ...nodeFs,
      readdirSync: (path) => nodeFs.readdirSync(path),
      openSync: (path, flags) => {
        if (flags === 'a') opened++;
        return nodeFs.openSync(path, flags);
      },
      writeSync: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const stdout = collectingStream();
    const stderr = collectingStream();
    const cacheDir = join(dir, 'cache');
    const code = await main(['run', 'batch.jsonl', '--api-base', server.baseUrl, '--cache-dir', cacheDir], { env: {}, cwd: dir, stdout, stderr, cacheFs: fullDisk });
    assert.equal(code, 0, stderr.text);
    assert.deepEqual(outputLines(stdout.text).map((line) => line.custom_id), Array.from({ length: 2_000 }, (_, i) => `req-${i}`));
    assert.equal(stderr.text.match(/warning/g)?.length, 1, stderr.text);
    assert.match(stderr.text, /warning: Could not store the answer in the cache: Cannot write cache entry in .*cache: ENOSPC/);
    assert.deepEqual(readdirSync(cacheDir), [], 'no empty journal is left (there were 1 853 for 2 000 answers)');
    assert.equal(opened, 3, 'writing to the cache paused after three failures');
  });
});

/**
 * A device that answers every write with ENOSPC. As root, a twin of /dev/full made
 * inside the test's folder, so a regression could never replace the real one; others
 * cannot replace /dev/full anyway.
 */
function fullDevice(dir: string): string {
  if (process.getuid?.() !== 0) return '/dev/full';
  const twin = join(dir, 'full');
  try {
    execFileSync('mknod', [twin, 'c', '1', '7']);
    return twin;
  } catch {
    return '/dev/full';
  }
}

/**
 * The job state file shared by processes: the editor and command-line runs
 * record jobs in it at the same time without losing any, and a lock left
 * behind by a process that died does not block them. The same bundle is
 * forked as a second recorder: with the recorder variable set it records
 * submissions and exits instead of defining tests.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockTimeoutError } from '../../../src/core/batchApi/fileLock';
import { FileJobStore } from '../../../src/core/batchApi/jobState';
import type { SubmissionRecord } from '../../../src/core/batchApi/jobState';
import { fakeClock } from '../fixtures/fakeClock';

const recorderVariable = 'LLMBATCH_TEST_JOB_RECORDER';
const perProcess = 20;

function submission(id: string): SubmissionRecord {
  return { id, file: `${id}.llmbatch`, createdAt: 1, endpoint: { profile: 'openai', apiBase: 'http://127.0.0.1:9/v1' }, requests: [[`${id}-r`, 'f'.repeat(64), 0]], jobs: [{ id: `batch_${id}`, inputFileId: 'file-1', requestCount: 1, status: 'validating', updatedAt: 1 }] };
}

/** Records `perProcess` submissions, one update each, through two store instances (as the editor does). */
async function record(path: string, name: string): Promise<void> {
  const stores = [new FileJobStore(path), new FileJobStore(path)];
  await Promise.all(
    Array.from({ length: perProcess }, (_, i) => stores[i % 2]!.update((state) => void state.submissions.push(submission(`${name}-${i}`)))),
  );
}

const recorderPath = process.env[recorderVariable];
if (recorderPath !== undefined) {
  // Waits for the parent's signal so that both recorders start together.
  process.once('message', () => {
    record(recorderPath, `child${process.pid}`).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  process.send?.('ready');
} else {
  const roots: string[] = [];
  after(async () => {
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });
  async function stateFile(): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'llmbatch-job-lock-'));
    roots.push(root);
    await mkdir(join(root, 'state'));
    return join(root, 'state', '.llmbatch-jobs.json');
  }
  const ids = async (path: string) => (await new FileJobStore(path).read()).submissions.map((candidate) => candidate.id);
  const lockText = (pid: number, createdAt: number) => JSON.stringify({ pid, host: hostname(), createdAt, token: 'someone-else' });

  describe('job state shared by processes', () => {
    it('keeps every job two processes record at the same time', async () => {
      const path = await stateFile();
      const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
      const children = [0, 1].map(() => fork(__filename, [], { env: { ...env, [recorderVariable]: path }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }));
      let errors = '';
      for (const child of children) child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      const exits = children.map((child) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))));
      await Promise.all(children.map((child) => new Promise((resolve) => child.once('message', resolve))));
      for (const child of children) child.send('go');
      // This process records too, as a third writer.
      await record(path, 'parent');
      assert.deepEqual(await Promise.all(exits), [0, 0], errors);

      const recorded = await ids(path);
      assert.equal(new Set(recorded).size, recorded.length, 'no submission recorded twice');
      assert.equal(recorded.length, 3 * perProcess, 'a submission was lost');
      for (const child of children) assert.equal(recorded.filter((id) => id.startsWith(`child${child.pid}-`)).length, perProcess);
      assert.deepEqual((await readdir(join(path, '..'))).sort(), ['.llmbatch-jobs.json'], 'no lock or temporary file is left behind');
    });

    it('breaks the lock of a process that died at once', async () => {
      const path = await stateFile();
      const store = new FileJobStore(path);
      await store.update((state) => void state.submissions.push(submission('before')));
      const dead = spawn(process.execPath, ['-e', '']);
      const pid = dead.pid!;
      await new Promise((resolve) => dead.once('exit', resolve));
      await writeFile(store.lockPath, lockText(pid, Date.now()));
      // Neither age nor waiting explains the recovery: only the dead pid does.
      const { clock } = fakeClock(Date.now(), { sleeps: 'instant' });
      const recovering = new FileJobStore(path, undefined, { clock, staleMs: 3_600_000, timeoutMs: 1 });
      await recovering.update((state) => void state.submissions.push(submission('after')));
      assert.deepEqual(await ids(path), ['before', 'after']);
      await assert.rejects(readFile(store.lockPath), { code: 'ENOENT' });
    });

    it('breaks a lock older than the stale limit even when its pid is alive, and a half-written one once it stays so', async () => {
      const path = await stateFile();
      const { clock } = fakeClock(undefined, { sleeps: 'instant' });
      const store = new FileJobStore(path, undefined, { clock, staleMs: 1_000, timeoutMs: 60_000 });
      await writeFile(store.lockPath, lockText(process.ppid, clock.now() - 3_600_000));
      await store.update((state) => void state.submissions.push(submission('old-lock')));
      await writeFile(store.lockPath, '');
      await store.update((state) => void state.submissions.push(submission('empty-lock')));
      assert.deepEqual(await ids(path), ['old-lock', 'empty-lock']);
      await assert.rejects(readFile(store.lockPath), { code: 'ENOENT' });
    });

    it('waits for a live holder and gives up with a readable error, changing nothing and leaving its lock', async () => {
      const path = await stateFile();
      const { clock } = fakeClock(undefined, { sleeps: 'instant' });
      const store = new FileJobStore(path, undefined, { clock, staleMs: 10_000, timeoutMs: 500 });
      await store.update((state) => void state.submissions.push(submission('kept')));
      const held = lockText(process.ppid, clock.now());
      await writeFile(store.lockPath, held);
      await assert.rejects(
        store.update((state) => void state.submissions.push(submission('blocked'))),
        (error: unknown) => error instanceof LockTimeoutError && error.message.includes(`process ${process.ppid}`) && error.message.includes(store.lockPath),
      );
      assert.deepEqual(await ids(path), ['kept']);
      assert.equal(await readFile(store.lockPath, 'utf8'), held);
    });
  });
}

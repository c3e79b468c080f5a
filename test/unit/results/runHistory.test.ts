import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RunHistory, runPath } from '../../../src/extension/results/runHistory';
import { RunRecord } from '../../../src/extension/results/runRecord';
import { answered, item } from './fixtures';

function memory() {
  const files = new Map<string, Uint8Array>();
  const state = new Map<string, unknown>();
  return {
    files,
    port: {
      read: async (path: string) => files.get(path),
      write: async (path: string, data: Uint8Array) => void files.set(path, data),
      delete: async (path: string) => void files.delete(path),
    },
    index: {
      get: <T>(key: string) => state.get(key) as T | undefined,
      update: async (key: string, value: unknown) => void state.set(key, JSON.parse(JSON.stringify(value))),
    },
  };
}

function finishedRun(runId: string, fileUri: string, answer: string): RunRecord {
  const run = new RunRecord(runId, fileUri, Date.parse('2025-01-01T00:00:00Z'), [item(0, 'a')]);
  run.applyResults([answered(0, 'a', answer)]);
  run.finish(false, 100);
  return run;
}

describe('run history', () => {
  it('keeps the last N runs of a file, newest first, and deletes older ones', async () => {
    const store = memory();
    const history = new RunHistory({ files: store.port, index: store.index, historySize: () => 2 });
    const file = 'file:///w/a.llmbatch';
    for (const id of ['run-1', 'run-2', 'run-3']) await history.save(finishedRun(id, file, `answer of ${id}`));
    assert.deepEqual(
      history.entries(file).map((entry) => entry.runId),
      ['run-3', 'run-2'],
    );
    assert.equal(store.files.size, 2);
    assert.equal(await history.load(file, 'run-1'), undefined);
    const latest = await history.latest(file);
    assert.equal(latest?.runId, 'run-3');
    assert.equal(RunRecord.fromStored(latest!).row('a')?.answer, 'answer of run-3');
  });

  it('keeps files apart and re-saving a run replaces its entry', async () => {
    const store = memory();
    const history = new RunHistory({ files: store.port, index: store.index, historySize: () => 5 });
    await history.save(finishedRun('run-1', 'file:///w/a.llmbatch', 'a'));
    await history.save(finishedRun('run-2', 'file:///w/b.llmbatch', 'b'));
    await history.save(finishedRun('run-1', 'file:///w/a.llmbatch', 'a again'));
    assert.deepEqual(
      history.entries('file:///w/a.llmbatch').map((entry) => entry.runId),
      ['run-1'],
    );
    assert.equal(await history.load('file:///w/b.llmbatch', 'run-1'), undefined);
    assert.equal(RunRecord.fromStored((await history.load('file:///w/a.llmbatch', 'run-1'))!).row('a')?.answer, 'a again');
  });

  it('names files by hash, so neither a run id nor a file name can pick the path', () => {
    const path = runPath('file:///w/../../etc/passwd', '../../evil');
    assert.match(path, /^runs\/[0-9a-f]{24}\/[0-9a-f]{24}\.json$/);
  });

  it('ignores a damaged or foreign stored file', async () => {
    const store = memory();
    const errors: string[] = [];
    const history = new RunHistory({ files: store.port, index: store.index, historySize: () => 5, onError: (message) => errors.push(message) });
    const file = 'file:///w/a.llmbatch';
    await history.save(finishedRun('run-1', file, 'a'));
    store.files.set(runPath(file, 'run-1'), new TextEncoder().encode('{"version":1,"runId":"other"'));
    assert.equal(await history.load(file, 'run-1'), undefined);
    assert.equal(errors.length, 1);
    store.files.set(runPath(file, 'run-1'), new TextEncoder().encode(JSON.stringify({ version: 1, runId: 'other', fileUri: file, startedAt: 1, items: [], results: [] })));
    assert.equal(await history.load(file, 'run-1'), undefined);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBatchInputLazily } from '../../../src/core/batchFile/batchJsonl';
import { byteLines } from '../../../src/core/batchFile/byteLines';
import { FirstLines } from '../../../src/core/batchFile/firstLines';
import { bufferSource, InputFileError, readRegularFile, RegularFile } from '../../../src/core/inputFiles';

const mebibyte = 1024 * 1024;

function line(id: string, content = `hello ${id}`): string {
  return JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] } });
}

function refusal(read: () => unknown): InputFileError {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof InputFileError, String(error));
    return error;
  }
  assert.fail('the file was read');
}

/**
 * Files named by someone else's batch are read only when they are regular files
 * within a limit, without ever waiting; Batch input is read a chunk at a time.
 */
describe('reading input files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmbatch-input-files-'));

  it('refuses a FIFO, a device and a folder without reading (or waiting on) them', () => {
    const fifo = join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    // Nobody ever writes to it: opening it to read would wait for ever.
    assert.equal(refusal(() => readRegularFile(fifo, mebibyte, 'a data file')).message, 'this is a named pipe (FIFO), not a regular file; llmbatch reads only regular files');
    assert.equal(refusal(() => readRegularFile('/dev/zero', mebibyte, 'a data file')).message, 'this is a device, not a regular file; llmbatch reads only regular files');
    mkdirSync(join(dir, 'folder'));
    assert.equal(refusal(() => readRegularFile(join(dir, 'folder'), mebibyte, 'a data file')).code, 'not-regular');
  });

  it('refuses a file over the limit by its size alone, and reads one at the limit whole', () => {
    const big = join(dir, 'big.csv');
    writeFileSync(big, '');
    truncateSync(big, 1024 ** 3);
    assert.equal(refusal(() => readRegularFile(big, 64 * mebibyte, 'a data file')).message, 'it is 1024 MB, over the 64 MB limit for a data file');
    const exact = join(dir, 'exact.csv');
    writeFileSync(exact, 'a'.repeat(1000));
    assert.equal(readRegularFile(exact, 1000, 'a data file').toString(), 'a'.repeat(1000));
    assert.equal(refusal(() => readRegularFile(exact, 999, 'a data file')).message, 'it is 1000 bytes, over the 999 bytes limit for a data file');
  });

  it('stops a run that reads a Batch input file changed since it was checked', () => {
    const path = join(dir, 'changing.jsonl');
    writeFileSync(path, `${line('a')}\n${line('b')}\n`);
    const file = RegularFile.open(path, mebibyte, 'a Batch input file');
    const { items, diagnostics } = readBatchInputLazily(file, { provider: 'openai' });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual([...items].map((item) => item.id), ['a', 'b']);
    appendFileSync(path, `${line('c')}\n`);
    const changed = refusal(() => [...items]);
    assert.equal(changed.code, 'changed');
    file.close();
  });
});

describe('byteLines', () => {
  it('gives the lines split() gives, across chunks, and only the size of lines over the limit', () => {
    const lines = ['short', '', 'x'.repeat(3000), 'é'.repeat(400), 'y'.repeat(2 * mebibyte), 'last'];
    const bytes = Buffer.from(`\ufeff${lines.join('\r\n')}`);
    const read = [...byteLines(bufferSource(bytes), 2000)];
    assert.deepEqual(read, ['short', '', { tooLong: 3001 }, 'é'.repeat(400), { tooLong: 2 * mebibyte + 1 }, 'last']);
  });

  it('stops at bytes that are not UTF-8, saying where they are', () => {
    const bytes = Buffer.concat([Buffer.from('one\ntwo\nthr'), Buffer.from([0xc3, 0x28]), Buffer.from('ee\n')]);
    let where: unknown;
    const read = [...byteLines(bufferSource(bytes), 100, (at) => (where = at))];
    assert.deepEqual(read, []);
    assert.deepEqual(where, { line: 2, column: 3 });
  });
});

describe('FirstLines', () => {
  it('finds exactly the ids used before, long ones included, over a hundred thousand ids', () => {
    const ids = new FirstLines();
    const long = (i: number) => `${'long id '.repeat(20)}${i}`;
    for (let i = 0; i < 100_000; i++) {
      assert.equal(ids.get(`id-${i}`), undefined);
      ids.set(`id-${i}`, i);
      ids.set(long(i), i);
    }
    assert.equal(ids.get('id-0'), 0);
    assert.equal(ids.get('id-99999'), 99_999);
    assert.equal(ids.get(long(4242)), 4242);
    assert.equal(ids.get('id-100000'), undefined);
    assert.equal(ids.get(long(100_000)), undefined);
    assert.equal(ids.get('id-1 '), undefined);
    assert.equal(ids.get('ïd-1'), undefined);
  });
});

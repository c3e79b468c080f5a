import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { OrderedWriter } from '../../../src/cli/orderedWriter';
import { checkResults, closeResults, openResults } from '../../../src/cli/resultsOutput';
import type { CliIo } from '../../../src/cli/io';
import type { OutputFileSystem } from '../../../src/cli/outputTarget';
import { brokenStream, collectingStream, failingOutputFs } from './failingOutputFs';

/**
 * The results writer against a disk that fills up or breaks at the Nth write:
 * every line handed to it ends up, whole and in order, in the places its report
 * names — never a cut line, never a line twice, never an empty leftover file.
 */
describe('results output when writes fail', () => {
  const roots: string[] = [];
  let dir: string;
  let temp: string;
  after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-results-output-'));
    roots.push(dir);
    temp = join(dir, 'tmp');
    mkdirSync(temp);
  });

  // ~1 KB lines: a 64 KiB chunk holds about 60, so 400 lines take about 7 writes.
  const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ custom_id: `req-${i}`, text: `answer ${i} `.padEnd(1000, '.') }));

  /** Writes every line out of order, as answers arrive; `out` null writes to stdout. */
  async function write(fs: OutputFileSystem, stdout: Writable = collectingStream(), where: string | null = 'results.jsonl') {
    const out = where ?? undefined;
    const io: CliIo = { env: { TMPDIR: temp }, cwd: dir, stdout, stderr: collectingStream(), outputFs: fs };
    const target = checkResults(out, io);
    assert.ok(!('refused' in target));
    const said: string[] = [];
    let nowhere = 0;
    const writer = (await openResults(target, out, io, (line) => said.push(line), { onNowhere: () => nowhere++ })) as OrderedWriter;
    for (let i = 0; i < lines.length; i += 2) writer.add(i + 1, lines[i + 1]!);
    for (let i = 0; i < lines.length; i += 2) writer.add(i, lines[i]!);
    const problems = await closeResults(writer, 'the run was stopped');
    return { said, problems, nowhere };
  }

  const idsIn = (text: string) => text.split('\n').filter(Boolean).map((line) => JSON.parse(line).custom_id as string);
  const allIds = lines.map((_, i) => `req-${i}`);

  it('moves every result into one new file in the temporary folder when the disk fills up at the third write', async () => {
    const fs = failingOutputFs({ where: (path) => path.startsWith(dir) && !path.startsWith(temp), fromWrite: 3 });
    const { said, problems, nowhere } = await write(fs);
    assert.equal(fs.failedWrites, 1);
    const fallback = /^llmbatch: all 400 results are in (\S+)$/m.exec(problems.join('\n'))?.[1];
    assert.ok(fallback, problems.join('\n'));
    assert.equal(join(fallback, '..'), temp);
    assert.deepEqual(idsIn(readFileSync(fallback, 'utf8')), allIds);
    assert.match(problems[0]!, /^llmbatch: cannot write results\.jsonl: ENOSPC: no space left on device/);
    assert.match(said.join('\n'), /warning: cannot write results\.jsonl \(ENOSPC.*\); the results go to .*llmbatch-results-.* instead/);
    assert.deepEqual(readdirSync(dir).sort(), ['tmp'], 'neither results.jsonl nor its .partial is left: the copy holds everything');
    assert.equal(nowhere, 0);
  });

  it('never leaves a cut line: a disk that fills half-way through a write, with no room for a fallback file, keeps whole lines in the .partial and the rest on stdout', async () => {
    // The temporary folder is on the same full disk.
    const fs = failingOutputFs({ where: (path) => path.startsWith(dir), fromWrite: 4, partialBytes: 700 });
    const stdout = collectingStream();
    const { problems } = await write(fs, stdout);
    const text = problems.join('\n');
    const kept = /^llmbatch: results 1–(\d+) are in results\.jsonl\.partial$/m.exec(text);
    assert.ok(kept, text);
    assert.match(text, new RegExp(`^llmbatch: results ${Number(kept[1]) + 1}–400 were written to stdout$`, 'm'));
    const partial = readFileSync(join(dir, 'results.jsonl.partial'), 'utf8');
    assert.ok(partial.endsWith('\n'), 'the .partial ends with a whole line');
    assert.deepEqual([...idsIn(partial), ...idsIn(stdout.text)], allIds);
    assert.deepEqual(readdirSync(temp), [], 'the fallback file that could not be written is not left behind');
    assert.equal(existsSync(join(dir, 'results.jsonl')), false, 'an incomplete file is never given the final name');
  });

  it('counts what could be written nowhere, says so once, and asks for the run to stop', async () => {
    const fs = failingOutputFs({ where: () => true, fromWrite: 2, code: 'EIO' });
    const { said, problems, nowhere } = await write(fs, brokenStream());
    assert.equal(nowhere, 1);
    const text = problems.join('\n');
    assert.match(text, /cannot write results\.jsonl: EIO/);
    assert.match(text, /cannot write stdout: EIO/);
    const kept = /^llmbatch: results 1–(\d+) are in results\.jsonl\.partial$/m.exec(text);
    assert.ok(kept, text);
    assert.match(text, new RegExp(`^llmbatch: ${400 - Number(kept[1])} results could not be written anywhere; the run was stopped$`, 'm'));
    assert.deepEqual(idsIn(readFileSync(join(dir, 'results.jsonl.partial'), 'utf8')), allIds.slice(0, Number(kept[1])));
    assert.equal(said.filter((line) => /nowhere is left/.test(line)).length, 1);
  });

  it('keeps a complete .partial and names it when it cannot be renamed into place', async () => {
    const fs: OutputFileSystem = {
      ...failingOutputFs({ where: () => false, fromWrite: 1 }),
      renameSync: () => {
        throw Object.assign(new Error('EACCES: permission denied, rename'), { code: 'EACCES' });
      },
    };
    const { problems } = await write(fs);
    assert.deepEqual(problems, ['llmbatch: cannot write results.jsonl: EACCES: permission denied, rename', 'llmbatch: all 400 results are in results.jsonl.partial']);
    assert.deepEqual(idsIn(readFileSync(join(dir, 'results.jsonl.partial'), 'utf8')), allIds);
  });

  it('moves the rest of stdout into a file when stdout fails part-way', async () => {
    const stdout = collectingStream({ failFromWrite: 3 });
    const { problems } = await write(failingOutputFs({ where: () => false, fromWrite: 1 }), stdout, null);
    const text = problems.join('\n');
    const written = /^llmbatch: results 1–(\d+) were written to stdout$/m.exec(text);
    assert.ok(written, text);
    const fallback = new RegExp(`^llmbatch: results ${Number(written[1]) + 1}–400 are in (\\S+)$`, 'm').exec(text)?.[1];
    assert.ok(fallback, text);
    assert.deepEqual([...idsIn(stdout.text), ...idsIn(readFileSync(fallback, 'utf8'))], allIds);
  });
});

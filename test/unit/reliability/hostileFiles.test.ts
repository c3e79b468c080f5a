import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchLine, startCli, useMockServer } from './reliabilityFixtures';
import type { CliRun } from './reliabilityFixtures';

/**
 * Files made to hang or fill whatever reads them: a data file that never ends
 * or blocks, variables that double forty times, gigabyte inputs, JSON nested
 * 100 000 deep. Each must be refused within moments — as a dry run and as a
 * real run against the mock — at its `file:line:col`, with exit 2 and nothing sent.
 */
describe('hostile files (CLI)', () => {
  const mock = useMockServer('llmbatch-hostile-');

  /**
   * Runs the CLI, stopping it should it hang, so a hang fails the test instead of
   * stalling the suite; `peakMiB` is its largest resident memory, read from /proc.
   */
  async function run(args: string[]): Promise<CliRun & { peakMiB: number }> {
    const started = startCli(args, { cwd: mock.dir });
    const watchdog = setTimeout(() => started.child.kill('SIGKILL'), 90_000);
    let peakKiB = 0;
    const sample = () => {
      try {
        const high = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${started.child.pid}/status`, 'utf8'));
        if (high) peakKiB = Math.max(peakKiB, Number(high[1]));
      } catch {
        // Gone already: the last sample stands.
      }
    };
    const sampler = setInterval(sample, 10);
    try {
      return { ...(await started.done), peakMiB: peakKiB / 1024 };
    } finally {
      clearInterval(sampler);
      clearTimeout(watchdog);
    }
  }

  /** Refuses `name` as a dry run and as a real run, each time with `expected` on stderr; returns the real run. */
  async function refuse(name: string, expected: RegExp): Promise<CliRun & { peakMiB: number }> {
    let last: (CliRun & { peakMiB: number }) | undefined;
    for (const mode of [['--dry-run'], ['--api-base', mock.server.baseUrl]]) {
      const result = await run(['run', name, '--no-cache', ...mode]);
      assert.equal(result.signal, null, `${mode[0]}: the CLI had to be stopped; stderr: ${result.stderr}`);
      assert.equal(result.code, 2, `${mode[0]}: ${result.stderr}`);
      assert.match(result.stderr, expected);
      assert.match(result.stderr, /nothing was sent/);
      assert.doesNotMatch(result.stderr, /internal error|    at /, 'a message, not a stack trace');
      assert.equal(result.stdout, '');
      last = result;
    }
    assert.equal(mock.server.requests.length, 0, 'nothing was sent');
    return last!;
  }

  it('refuses @data = /dev/zero without reading it', async () => {
    writeFileSync(join(mock.dir, 'zero.llmbatch'), '@provider = openai\n@data = /dev/zero\n### a\nuser: {{x}}\n');
    await refuse('zero.llmbatch', /^zero\.llmbatch:2:9: error: \/dev\/zero: this is a device, not a regular file; llmbatch reads only regular files$/m);
  });

  it('refuses @data naming a FIFO without waiting for a writer', async () => {
    const made = spawnSync('mkfifo', [join(mock.dir, 'fifo')]);
    assert.equal(made.status, 0, String(made.stderr));
    writeFileSync(join(mock.dir, 'fifo.llmbatch'), '@data = ./fifo\n### a\nuser: {{x}}\n');
    await refuse('fifo.llmbatch', /^fifo\.llmbatch:1:9: error: fifo: this is a named pipe \(FIFO\), not a regular file/m);
  });

  it('stops forty doubling variables at the one that passes the text limit', async () => {
    const lines = ['@v0 = x'];
    for (let i = 1; i <= 40; i++) lines.push(`@v${i} = {{v${i - 1}}}{{v${i - 1}}}`);
    writeFileSync(join(mock.dir, 'double.llmbatch'), `${lines.join('\n')}\n### a\nuser: {{v40}}\n`);
    const { stderr } = await refuse('double.llmbatch', /^double\.llmbatch:24:1: error: @v23: filling in placeholders makes more than 10 MB of text for one request/m);
    assert.equal(stderr.match(/error:/g)?.length, 1, stderr);
  });

  it('refuses a 1 GB data file, an input of 1 GB, and a .llmbatch file over its limit, before reading them', async () => {
    writeFileSync(join(mock.dir, 'rows.llmbatch'), '@data = ./big.csv\n### a\nuser: {{x}}\n');
    // Sparse: a gigabyte that takes no room on disk.
    writeFileSync(join(mock.dir, 'big.csv'), '');
    truncateSync(join(mock.dir, 'big.csv'), 1024 ** 3);
    await refuse('rows.llmbatch', /^rows\.llmbatch:1:9: error: big\.csv: it is 1024 MB, over the 64 MB limit for a data file$/m);
    for (const name of ['big.jsonl', 'big.llmbatch']) {
      writeFileSync(join(mock.dir, name), '');
      truncateSync(join(mock.dir, name), 1024 ** 3);
    }
    await refuse('big.jsonl', /^big\.jsonl:1:1: error: it is 1024 MB, over the 384 MB limit for a Batch input file$/m);
    await refuse('big.llmbatch', /^big\.llmbatch:1:1: error: it is 1024 MB, over the 64 MB limit for a \.llmbatch file$/m);
  });

  it('reads a Batch input file under its limit a chunk at a time, reporting a 300 MB line without holding it', async () => {
    const file = join(mock.dir, 'nul.jsonl');
    writeFileSync(file, '');
    truncateSync(file, 300 * 1024 ** 2);
    writeFileSync(file, `\n${batchLine('fine', 'hello')}\n`, { flag: 'a' });
    const { stderr, peakMiB } = await refuse('nul.jsonl', /^nul\.jsonl:1:1: error: Line is 300 MB, over the 10 MB limit for one request; it was not read$/m);
    assert.doesNotMatch(stderr, /^nul\.jsonl:2:/m, 'the line after it is read as usual');
    // Holding the file, or the line, would take at least 300 MB.
    assert.ok(peakMiB > 0 && peakMiB < 200, `the CLI took up to ${peakMiB.toFixed(0)} MiB`);
  });

  it('refuses JSON nested 100 000 deep in response_format, from a .llmbatch file, a data row and a Batch input line', async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const format = `{"type": "json_schema", "json_schema": {"name": "x", "schema": ${deep}}}`;
    writeFileSync(join(mock.dir, 'deep.llmbatch'), `@model = gpt-4o-mini\n\n@response_format = ${format}\n### a\nuser: hi\n`);
    // The 65th level is the first too deep: after the two levels of response_format, 63 of the schema.
    const column = '@response_format = '.length + format.indexOf('"schema": ') + '"schema": '.length + 5 * 62 + 1;
    await refuse('deep.llmbatch', new RegExp(`^deep\\.llmbatch:3:${column}: error: @response_format nests lists and objects more than 64 levels deep, more than a request may hold$`, 'm'));

    writeFileSync(join(mock.dir, 'formats.csv'), `format\n"${format.replaceAll('"', '""')}"\n`);
    writeFileSync(join(mock.dir, 'rows.llmbatch'), '@data = ./formats.csv\n@response_format = {{format}}\n### a\nuser: hi\n');
    await refuse('rows.llmbatch', /^rows\.llmbatch:2:20: error: response_format nests lists and objects more than 64 levels deep, more than a request may hold \(formats\.csv row 1\)$/m);

    const line = batchLine('deep', 'hi', { response_format: JSON.parse('{"type": "text"}') }).replace('{"type":"text"}', format.replaceAll(' ', ''));
    writeFileSync(join(mock.dir, 'deep.jsonl'), `${batchLine('fine', 'hello')}\n${line}\n`);
    const at = line.indexOf('"schema":') + '"schema":'.length + 5 * 62 + 1;
    await refuse('deep.jsonl', new RegExp(`^deep\\.jsonl:2:${at}: error: body\\.response_format nests lists and objects more than 64 levels deep, more than a request may hold$`, 'm'));
  });
});

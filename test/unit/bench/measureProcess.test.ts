import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { assertExited, measureProcess, shellQuote } from '../../../bench/processes/measureProcess';

describe('measuring a process from the outside', () => {
  it('reports the exit code, the output and the peak memory of the program', async () => {
    const script = "const keep = Buffer.alloc(64 * 1024 * 1024, 1); process.stdout.write('out ' + keep[0]); process.stderr.write('err'); process.exit(3)";
    const run = await measureProcess(process.execPath, ['-e', script], { timeoutMs: 20_000 });
    assert.equal(run.exitCode, 3);
    assert.equal(run.stdout, 'out 1');
    assert.equal(run.stderr, 'err');
    assert.equal(run.timedOut, false);
    if (existsSync('/usr/bin/time')) assert.ok(run.peakRssBytes !== undefined && run.peakRssBytes > 64 * 1024 * 1024, `peak ${run.peakRssBytes}`);
    assert.throws(() => assertExited(run, 'the program'), /the program exited with 3:\nerr/);
  });

  it('stops a program that runs too long', async () => {
    const run = await measureProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { timeoutMs: 300 });
    assert.equal(run.timedOut, true);
    assert.throws(() => assertExited(run, 'the sleeper'), /did not finish in time/);
  });

  it('quotes words for the shell that runs a program on a terminal', () => {
    assert.equal(shellQuote('/usr/bin/node'), '/usr/bin/node');
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
    assert.equal(shellQuote('--api-base=http://127.0.0.1:80/v1'), '--api-base=http://127.0.0.1:80/v1');
  });
});

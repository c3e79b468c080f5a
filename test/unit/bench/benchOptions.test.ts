import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BenchUsageError, parseBenchArgs, scenarioNames } from '../../../bench/benchOptions';

function options(argv: string[]) {
  const command = parseBenchArgs(argv);
  assert.equal(command.kind, 'run');
  return command.options;
}

describe('npm run bench arguments', () => {
  it('runs every scenario, three times each, and writes the report by default', () => {
    const chosen = options([]);
    assert.deepEqual(chosen.scenarios, scenarioNames);
    assert.equal(chosen.runs, 3);
    assert.equal(chosen.write, true);
    assert.equal(chosen.output, 'BENCHMARKS.md');
  });

  it('runs only the named scenarios, in report order', () => {
    assert.deepEqual(options(['cpu', 'latency']).scenarios, ['latency', 'cpu']);
  });

  it('makes --quick a single run that leaves BENCHMARKS.md alone unless asked', () => {
    const quick = options(['--quick', 'parse']);
    assert.equal(quick.runs, 1);
    assert.equal(quick.write, false);
    assert.equal(options(['--quick', '--write']).write, true);
    assert.equal(options(['--no-write']).write, false);
  });

  it('refuses unknown scenarios, fewer than one run and contradictory flags', () => {
    assert.throws(() => parseBenchArgs(['latncy']), (error: unknown) => error instanceof BenchUsageError && /unknown scenario "latncy"/.test(error.message));
    assert.throws(() => parseBenchArgs(['--runs', '0']), BenchUsageError);
    assert.throws(() => parseBenchArgs(['--runs', '2.5']), BenchUsageError);
    assert.throws(() => parseBenchArgs(['--write', '--no-write']), BenchUsageError);
    assert.throws(() => parseBenchArgs(['--frobnicate']), BenchUsageError);
  });

  it('reads the idle wait and the load counted as idle', () => {
    const chosen = options(['--wait-idle', '40', '--max-load', '1.2']);
    assert.equal(chosen.waitIdleMinutes, 40);
    assert.equal(chosen.maxLoad, 1.2);
  });

  it('answers --help without running anything', () => {
    assert.deepEqual(parseBenchArgs(['--help']), { kind: 'help' });
  });
});

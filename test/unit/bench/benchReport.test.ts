import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ScenarioName } from '../../../bench/benchOptions';
import type { ScenarioReport } from '../../../bench/report/scenarioReport';
import { mergeReports, readStoredReports, renderBenchmarks } from '../../../bench/report/benchmarksMarkdown';
import { formatMs, formatMsSummary, median, percentile, summarize } from '../../../bench/report/stats';
import { waitForLowLoad } from '../../../bench/report/machine';

function report(name: ScenarioName, result: string, met: boolean | undefined, measuredAt = '2030-01-02T03:04:05.000Z'): ScenarioReport {
  return {
    name,
    title: `Scenario ${name}`,
    setup: `How ${name} was run.`,
    columns: ['Client', 'Wall time'],
    rows: [['floor', '2.90 s']],
    targets: [{ measure: `${name} measure`, result, target: '≥ 0.95×', met }],
    notes: ['A note with a | pipe.'],
    measuredAt,
    machine: { cores: 2, cpuModel: 'Test CPU', node: 'v20.0.0', os: 'linux test', memoryGiB: 8 },
    load: { before: 0.5, after: 0.9 },
    runs: 3,
    quick: false,
  };
}

describe('benchmark statistics', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const values = [3, 1, 2];
    assert.equal(median(values), 2);
    assert.deepEqual(values, [3, 1, 2]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), RangeError);
  });

  it('reports nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 95), 95);
    assert.equal(percentile([7], 95), 7);
  });

  it('formats times with their spread', () => {
    assert.equal(formatMs(840), '840 ms');
    assert.equal(formatMs(2906), '2.91 s');
    assert.equal(formatMsSummary(summarize([2900, 3100, 2850])), '2.90 s (2.85–3.10)');
    assert.equal(formatMsSummary(summarize([250])), '250 ms');
  });
});

describe('BENCHMARKS.md', () => {
  it('lists every target in the summary and marks misses', () => {
    const text = renderBenchmarks([report('latency', '0.97×', true), report('cpu', '0.80×', false), report('peers', 'peer not installed', undefined)]);
    assert.match(text, /\| Scenario latency \| latency measure \| 0\.97× \| ≥ 0\.95× \| yes \|/);
    assert.match(text, /\| Scenario cpu \| cpu measure \| 0\.80× \| ≥ 0\.95× \| \*\*no\*\* \|/);
    assert.match(text, /\| Scenario peers \| peers measure \| peer not installed \| ≥ 0\.95× \| not measured \|/);
    assert.match(text, /2 cores \(Test CPU\)/);
    assert.match(text, /load average 0\.50 at the start and 0\.90 at the end/);
    assert.match(text, /A note with a \| pipe\./);
  });

  it('keeps sections that were not run again and replaces those that were', () => {
    const first = renderBenchmarks([report('latency', 'old latency', true), report('parse', 'old parse', true)]);
    const stored = readStoredReports(first);
    assert.deepEqual(
      stored.map((r) => r.name),
      ['latency', 'parse'],
    );
    const merged = mergeReports(stored, [report('parse', 'new parse', false, '2030-02-01T00:00:00.000Z'), report('cpu', 'new cpu', true)]);
    assert.deepEqual(
      merged.map((r) => [r.name, r.targets[0]!.result]),
      [
        ['latency', 'old latency'],
        ['cpu', 'new cpu'],
        ['parse', 'new parse'],
      ],
    );
    const second = renderBenchmarks(merged);
    assert.match(second, /old latency/);
    assert.doesNotMatch(second, /old parse/);
    assert.match(second, /Last written 2030-02-01 00:00 UTC/);
  });

  it('starts afresh from a file it did not write', () => {
    assert.deepEqual(readStoredReports('# Benchmarks\n\nwritten by hand\n'), []);
    assert.deepEqual(readStoredReports('<!-- bench-data not-base64-json -->'), []);
  });
});

describe('waiting for a quiet machine', () => {
  it('returns as soon as the load drops, and gives up after the timeout', async () => {
    const loads = [5, 3, 1];
    let slept = 0;
    const sleep = async (ms: number) => {
      slept += ms;
    };
    assert.equal(await waitForLowLoad({ maxLoad: 1.5, timeoutMs: 10_000, pollMs: 1000, load: () => loads.shift() ?? 9, sleep }), true);
    assert.equal(slept, 2000);
    slept = 0;
    assert.equal(await waitForLowLoad({ maxLoad: 1.5, timeoutMs: 3000, pollMs: 1000, load: () => 9, sleep }), false);
    assert.equal(slept, 3000);
  });
});

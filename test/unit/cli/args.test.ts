import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, UsageError } from '../../../src/cli/args';

describe('command line', () => {
  it('takes the documented defaults', () => {
    const command = parseCommandLine(['run', 'batch.jsonl']);
    assert.equal(command.kind, 'run');
    if (command.kind !== 'run') return;
    assert.deepEqual(
      { ...command.options },
      {
        input: 'batch.jsonl',
        out: undefined,
        concurrency: 100,
        timeoutMs: 30_000,
        retryAttempts: 3,
        retryDelayMs: 1_000,
        cacheDir: undefined,
        cache: true,
        cacheTtlMs: undefined,
        apiBase: undefined,
        provider: undefined,
        dryRun: false,
        quiet: false,
      },
    );
  });

  it('converts seconds to milliseconds and reads every flag', () => {
    const command = parseCommandLine([
      'run', 'a.llmbatch', '--out', 'o.jsonl', '--concurrency', '8', '--timeout', '2.5', '--retries', '0',
      '--retry-delay', '0.1', '--api-base', 'http://127.0.0.1:9/v1', '--provider', 'echo', '--no-cache', '--dry-run', '--quiet',
    ]);
    assert.equal(command.kind, 'run');
    if (command.kind !== 'run') return;
    assert.equal(command.options.timeoutMs, 2500);
    assert.equal(command.options.retryDelayMs, 100);
    assert.equal(command.options.retryAttempts, 0);
    assert.equal(command.options.concurrency, 8);
    assert.equal(command.options.cache, false);
    assert.equal(command.options.provider, 'echo');
    assert.equal(command.options.dryRun, true);
  });

  it('rejects bad values with a message naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['run', 'x', '--concurrency', '0'], /--concurrency must be a whole number ≥ 1 \(got "0"\)/],
      [['run', 'x', '--timeout', 'soon'], /--timeout must be a number of seconds/],
      [['run', 'x', '--provider', 'anthropic'], /--provider must be openai or echo/],
      [['run', 'x', '--api-base', 'localhost:8080'], /--api-base must be an http\(s\) URL/],
      [['run', 'x', '--no-cache', '--cache-dir', 'd'], /cannot be used together/],
      [['run'], /missing <input>/],
      [['walk', 'x'], /unknown command "walk"/],
      [['run', 'x', '--frobnicate'], /frobnicate/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(() => parseCommandLine(argv), (error: unknown) => error instanceof UsageError && message.test(error.message), argv.join(' '));
    }
  });

  it('answers --help and --version', () => {
    assert.equal(parseCommandLine(['--help']).kind, 'help');
    assert.equal(parseCommandLine(['--version']).kind, 'version');
  });
});

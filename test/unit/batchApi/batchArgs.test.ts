import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, UsageError } from '../../../src/cli/args';

describe('command line of the Batch API commands', () => {
  it('reads submit, status and cancel with their options', () => {
    assert.deepEqual(parseCommandLine(['submit', 'a.llmbatch', '--max-per-job', '3', '--api-base', 'http://127.0.0.1:9/v1']), {
      kind: 'submit',
      options: { input: 'a.llmbatch', maxPerJob: 3, apiBase: 'http://127.0.0.1:9/v1', quiet: false },
    });
    const status = parseCommandLine(['--cache-dir', 'c', 'status', 'sub-1', '--wait', '--out', 'r.jsonl', '--poll-interval', '0.5']);
    assert.deepEqual(status, { kind: 'status', options: { cacheDir: 'c', id: 'sub-1', wait: true, out: 'r.jsonl', pollIntervalMs: 500, quiet: false } });
    assert.deepEqual(parseCommandLine(['cancel', 'batch_1']), { kind: 'cancel', options: { jobId: 'batch_1', quiet: false } });
  });

  it('refuses what does not make sense, with a message', () => {
    assert.throws(() => parseCommandLine(['submit']), /missing <input>/);
    assert.throws(() => parseCommandLine(['submit', 'a.llmbatch', '--max-per-job', '60000']), /--max-per-job must be a whole number from 1 to 50000/);
    assert.throws(() => parseCommandLine(['cancel']), /missing <job-id>/);
    assert.throws(() => parseCommandLine(['status', '--max-per-job', '2']), /--max-per-job does not apply to status/);
    assert.throws(() => parseCommandLine(['status', '--poll-interval', '0']), UsageError);
  });

  it('reads the cache backend options of run, submit and status', () => {
    const run = parseCommandLine(['run', 'a.llmbatch', '--cache-backend', 'redis', '--redis-url', 'redis://127.0.0.1:6379', '--cache-namespace', 'team']);
    assert.equal(run.kind, 'run');
    assert.ok(run.kind === 'run' && run.options.cacheBackend === 'redis' && run.options.redisUrl === 'redis://127.0.0.1:6379' && run.options.cacheNamespace === 'team');
    const implied = parseCommandLine(['status', '--redis-url', 'redis://127.0.0.1:6379']);
    assert.ok(implied.kind === 'status' && implied.options.cacheBackend === 'redis');
    assert.throws(() => parseCommandLine(['run', 'a.llmbatch', '--cache-backend', 'memcached']), /--cache-backend must be disk or redis/);
    assert.throws(() => parseCommandLine(['run', 'a.llmbatch', '--redis-url', 'http://127.0.0.1:6379']), /must start with redis:\/\/ or rediss:\/\//);
    assert.throws(() => parseCommandLine(['run', 'a.llmbatch', '--cache-namespace', 'team']), /--cache-namespace needs --cache-backend redis/);
    assert.throws(() => parseCommandLine(['run', 'a.llmbatch', '--no-cache', '--cache-backend', 'redis']), /cannot be used together/);
  });
});

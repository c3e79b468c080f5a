import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { main } from '../../../src/cli/main';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache } from '../../../src/core/cache/diskCache';
import { openSharedCache } from '../../../src/core/cache/sharedCache';
import type { TieredCache } from '../../../src/core/cache/tieredCache';
import { RequestManager } from '../../../src/core/engine/requestManager';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { chatItem } from '../engine/engineFixtures';
import type { RedisServer } from './redisServer';
import { freePort, startRedisServer } from './redisServer';
import { useMockServer } from '../fixtures/useMockServer';

const items = Array.from({ length: 12 }, (_, i) => chatItem(`q${i}`, `question ${i}`));
const roots: string[] = [];
const opened: TieredCache[] = [];

async function folder(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'llmbatch-shared-cache-'));
  roots.push(root);
  return root;
}

/** One teammate's cache: their own disk cache in front of the Redis server. */
async function teammateCache(redisUrl: string, options: { team?: string; warnings?: string[]; connectTimeoutMs?: number } = {}): Promise<TieredCache> {
  const workspace = await folder();
  const cache = openSharedCache({
    local: new DiskCache({ directory: join(workspace, 'cache') }),
    redisUrl,
    workspacePath: workspace,
    ...(options.team !== undefined && { teamNamespace: options.team }),
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    onWarning: (message) => options.warnings?.push(message),
  });
  opened.push(cache);
  return cache;
}

describe('team-shared cache on a real Redis server', () => {
  let redis: RedisServer;
  const server = useMockServer();

  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await Promise.all(opened.map((cache) => cache.close()));
    await redis?.stop();
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });
  const run = (cache: TieredCache) => new RequestManager(new OpenAIProvider({ apiBase: server.baseUrl }), { cache, retryAttempts: 0 }).processBatch(items);

  it('lets two teammates with the same team namespace share answers: the second sends nothing', async () => {
    const alice = await teammateCache(redis.url, { team: 'research' });
    const bob = await teammateCache(redis.url, { team: 'research' });
    const first = await run(alice);
    assert.equal(server.requests.length, items.length);
    assert.ok(first.results.every((result) => result.ok && !result.cached));

    server.resetRecords();
    const second = await run(bob);
    assert.equal(server.requests.length, 0, 'every answer came from the shared cache');
    assert.ok(second.results.every((result) => result.ok && result.cached));
    assert.deepEqual(
      second.results.map((result) => result.ok && result.response.choices[0]?.message.content),
      items.map((_, i) => `mock: question ${i}`),
    );
  });

  it('keeps workspaces apart by default: another workspace on the same server sends its own requests', async () => {
    const mine = await teammateCache(redis.url);
    const theirs = await teammateCache(redis.url);
    await run(mine);
    server.resetRecords();
    const second = await run(theirs);
    assert.equal(server.requests.length, items.length);
    assert.ok(second.results.every((result) => result.ok && !result.cached));
  });

  it('does not let Clear Cache of one teammate delete the answers the team shares', async () => {
    const alice = await teammateCache(redis.url, { team: 'clearing' });
    const bob = await teammateCache(redis.url, { team: 'clearing' });
    await run(alice);
    await alice.clear();
    server.resetRecords();
    await run(bob);
    assert.equal(server.requests.length, 0);
  });

  it('empties its own namespace on Clear Cache when it is private to the workspace', async () => {
    const workspace = await folder();
    const open = () => {
      const cache = openSharedCache({ local: new DiskCache({ directory: join(workspace, 'cache') }), redisUrl: redis.url, workspacePath: workspace });
      opened.push(cache);
      return cache;
    };
    await run(open());
    await open().clear();
    server.resetRecords();
    await run(open());
    assert.equal(server.requests.length, items.length);
  });
});

describe('team-shared cache when Redis is not there', () => {
  const server = useMockServer();
  let silent: Server | undefined;
  const sockets = new Set<Socket>();

  after(async () => {
    await Promise.all(opened.map((cache) => cache.close()));
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });
  const run = (cache: TieredCache) => new RequestManager(new OpenAIProvider({ apiBase: server.baseUrl }), { cache, retryAttempts: 0 }).processBatch(items);

  it('warns once, completes the run live, and answers the next run from the disk cache', async () => {
    const warnings: string[] = [];
    const cache = await teammateCache(`redis://:hunter22secret@127.0.0.1:${await freePort()}`, { team: 'research', warnings });
    const first = await run(cache);
    assert.ok(first.results.every((result) => result.ok));
    assert.equal(server.requests.length, items.length);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /shared cache at redis:\/\/127\.0\.0\.1:\d+ is not usable .*local cache only/);
    assert.doesNotMatch(warnings[0]!, /hunter22secret/);

    server.resetRecords();
    const second = await run(cache);
    assert.equal(server.requests.length, 0);
    assert.ok(second.results.every((result) => result.ok && result.cached));
    assert.equal(warnings.length, 1);
  });

  it('lets `llmbatch run --cache-backend redis` finish with one warning, and a second run is answered from disk', async () => {
    const workspace = await folder();
    const input = join(workspace, 'questions.jsonl');
    const line = (i: number) => JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${i}` }] } });
    await writeFile(input, [0, 1, 2].map(line).join('\n') + '\n');
    const args = ['run', input, '--api-base', server.baseUrl, '--cache-dir', join(workspace, 'cache'), '--cache-backend', 'redis', '--cache-namespace', 'team'];
    const runOnce = async () => {
      let stderr = '';
      const sink = (append: (text: string) => void) => new Writable({ write: (chunk: Buffer, _encoding, done) => (append(chunk.toString()), done()) });
      const code = await main(args, { env: { LLMBATCH_REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, cwd: workspace, stdout: sink(() => undefined), stderr: sink((text) => (stderr += text)) });
      return { code, stderr };
    };
    const first = await runOnce();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(server.requests.length, 3);
    assert.equal(first.stderr.match(/warning: the shared cache at redis:\/\/127\.0\.0\.1:\d+ is not usable/g)?.length, 1, first.stderr);
    server.resetRecords();
    const second = await runOnce();
    assert.equal(second.code, 0, second.stderr);
    assert.equal(server.requests.length, 0);
  });

  it('gives up on a server that accepts connections but never answers, and the run still completes', async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const warnings: string[] = [];
    const cache = await teammateCache(`redis://127.0.0.1:${port}`, { warnings, connectTimeoutMs: 300 });
    const result = await run(cache);
    assert.ok(result.results.every((entry) => entry.ok));
    assert.equal(server.requests.length, items.length);
    assert.equal(warnings.length, 1, warnings.join('\n'));
  });
});

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedAnswer, requestId, userText, writeJsonlBatch, writeLlmbatchFile } from '../../../bench/data/batchFiles';
import { allAnswered, verifyOutputFile } from '../../../bench/data/verifyOutput';
import { faultFor, standardFaultMix } from '../../../bench/servers/faultMix';
import { loadBatchText } from '../../../src/core/batchFile/loadBatch';

const dir = mkdtempSync(join(tmpdir(), 'llmbatch-bench-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function outputLine(index: number, content = expectedAnswer(index), extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: `batch_req_${index}`,
    custom_id: requestId(index),
    response: { status_code: 200, request_id: `req_${index}`, body: { choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] } },
    error: null,
    ...extra,
  });
}

describe('generated benchmark batches', () => {
  it('writes Batch input JSONL that llmbatch loads as distinct requests', () => {
    const path = join(dir, 'batch.jsonl');
    const bytes = writeJsonlBatch(path, 25);
    assert.equal(bytes, Buffer.byteLength(readFileSync(path, 'utf8')));
    const batch = loadBatchText(readFileSync(path, 'utf8'), { fileName: path, defaultProvider: 'openai' });
    assert.deepEqual(batch.diagnostics, []);
    assert.equal(batch.items.length, 25);
    assert.equal(batch.items[7]!.id, requestId(7));
    assert.equal(batch.items[7]!.request.messages.at(-1)!.content, userText(7));
    assert.equal(new Set(batch.items.map((item) => JSON.stringify(item.request.messages))).size, 25);
  });

  it('writes a .llmbatch file of one block per request that expands without errors', () => {
    const path = join(dir, 'long.llmbatch');
    const bytes = writeLlmbatchFile(path, 40);
    // About 200 bytes a request: 100 000 requests make the ≈ 20 MB file the parse scenario calls for.
    assert.ok(bytes / 40 > 170 && bytes / 40 < 240, `${bytes / 40} bytes per request`);
    const batch = loadBatchText(readFileSync(path, 'utf8'), { fileName: path, defaultProvider: 'openai' });
    assert.deepEqual(
      batch.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.equal(batch.items.length, 40);
    const item = batch.items[11]!;
    assert.equal(item.request.model, 'gpt-4o-mini');
    assert.equal(item.request.temperature, 0.1);
    assert.match(String(item.request.messages.at(-1)!.content), /^Request 11: name one fact about Oslo and one about the number 11/);
  });
});

describe('checking a results file', () => {
  it('accepts one line per request, each with its own answer', async () => {
    const path = join(dir, 'good.out.jsonl');
    writeFileSync(path, `${[0, 1, 2].map((i) => outputLine(i, expectedAnswer(i), { llmbatch: { cached: i === 1 } })).join('\n')}\n`);
    const check = await verifyOutputFile(path, 3);
    assert.ok(allAnswered(check, 3));
    assert.equal(check.cached, 1);
    assert.equal(check.inInputOrder, true);
  });

  it('catches swapped answers, missing and repeated lines, and failures', async () => {
    const path = join(dir, 'bad.out.jsonl');
    const failed = JSON.stringify({ custom_id: requestId(3), response: null, error: { code: 'timeout', message: 'too slow' } });
    writeFileSync(path, `${[outputLine(1), outputLine(0, expectedAnswer(2)), outputLine(1), failed, 'not json'].join('\n')}\n`);
    const check = await verifyOutputFile(path, 5);
    assert.equal(allAnswered(check, 5), false);
    assert.equal(check.answered, 1);
    assert.equal(check.mismatched, 2);
    assert.equal(check.duplicates, 1);
    assert.deepEqual(check.failed, { timeout: 1 });
    assert.equal(check.missing, 2);
    assert.equal(check.inInputOrder, false);
  });
});

describe('the fault mix', () => {
  it('fails the same requests every time, in about the shares asked for', () => {
    const counts = new Map<string, number>();
    const total = 20_000;
    for (let i = 0; i < total; i++) {
      const key = JSON.stringify([{ role: 'user', content: userText(i) }]);
      const kind = faultFor(key, standardFaultMix);
      assert.equal(faultFor(key, standardFaultMix), kind);
      counts.set(kind ?? 'none', (counts.get(kind ?? 'none') ?? 0) + 1);
    }
    for (const { kind, share } of standardFaultMix) {
      const seen = (counts.get(kind) ?? 0) / total;
      assert.ok(Math.abs(seen - share) < share * 0.25, `${kind}: ${seen} instead of ${share}`);
    }
  });
});

/**
 * "Submit as Batch Job" offered by the confirmation of a large run submits
 * what that run would have sent — one block, the request at the cursor, the
 * failed requests — not the whole file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadBatchText } from '../../../src/core/batchFile/loadBatch';
import { itemsToSubmit, readSubmitOptions, submitInsteadOfRun } from '../../../src/extension/batchFile/submitSelection';
import type { RunOptions } from '../../../src/extension/runs/runController';

const file = `@provider = openai
@model = gpt-4o-mini

### hello
@lang = ["French", "German", "Italian"]
user: Say hello in {{lang}}.

### goodbye
user: Say goodbye.
`;
const batch = loadBatchText(file, { fileName: '/work/two-blocks.llmbatch', defaultProvider: 'openai' });
const contents = (items: ReturnType<typeof itemsToSubmit>) => items.map((item) => item.request.messages[0]!.content);

/** What the command receives when the confirmation of a run with `options` hands over to a batch job. */
function submittedFor(options: RunOptions): string[] {
  // Command arguments may be serialized on the way (remote hosts); the selection must survive that too.
  const received = readSubmitOptions(JSON.parse(JSON.stringify(submitInsteadOfRun(options))));
  assert.equal(received.confirm, false, 'the run confirmation already asked');
  return contents(itemsToSubmit(batch, received.selection, 'two-blocks.llmbatch')) as string[];
}

describe('what a batch job submission covers', () => {
  it('is the block a Run Block was about to send, by index or by name', () => {
    assert.deepEqual(submittedFor({ blocks: [1], confirm: true }), ['Say goodbye.']);
    assert.deepEqual(submittedFor({ blocks: ['hello'], confirm: true }), ['Say hello in French.', 'Say hello in German.', 'Say hello in Italian.']);
  });

  it('is the requests a re-run or Run Request at Cursor was about to send', () => {
    const ids = batch.items.filter((item) => item.request.messages[0]!.content === 'Say hello in German.').map((item) => item.id);
    assert.equal(ids.length, 1);
    assert.deepEqual(submittedFor({ onlyIds: ids, updates: 'run-1', confirm: true }), ['Say hello in German.']);
  });

  it('is the whole file for a run of the whole file, and from the command without a selection', () => {
    assert.deepEqual(submittedFor({ confirm: true }), ['Say hello in French.', 'Say hello in German.', 'Say hello in Italian.', 'Say goodbye.']);
    assert.equal(readSubmitOptions(undefined).selection, undefined);
    assert.equal(itemsToSubmit(batch, undefined, 'two-blocks.llmbatch').length, 4);
  });

  it('ignores a malformed selection instead of submitting something else, and refuses one that matches nothing', () => {
    assert.deepEqual(readSubmitOptions({ confirm: 'no', selection: { blocks: 'hello', onlyIds: 3 } }), {});
    assert.deepEqual(readSubmitOptions({ selection: { blocks: [0.5, 'goodbye', null] } }), { selection: { blocks: ['goodbye'] } });
    assert.throws(() => itemsToSubmit(batch, { blocks: ['missing'] }, 'two-blocks.llmbatch'), /has no block "missing"/);
    assert.throws(() => itemsToSubmit(batch, { onlyIds: [] }, 'two-blocks.llmbatch'), /Nothing to run/);
  });
});

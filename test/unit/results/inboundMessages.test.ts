import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../../src/extension/results/inboundMessages';

describe('results panel messages from the webview', () => {
  it('accepts every message type of the protocol', () => {
    const valid = [
      { type: 'ready' },
      { type: 'rerunFailed' },
      { type: 'rerunRow', id: 'greet#1', bypassCache: true },
      { type: 'cancel' },
      { type: 'export', format: 'csv' },
      { type: 'export', format: 'jsonl', ids: ['a', 'b'] },
      { type: 'revealInEditor', id: 'a' },
      { type: 'copy', id: 'a', part: 'answer' },
      { type: 'copy', id: 'a', part: 'response', runId: 'run-1' },
      { type: 'requestDetail', id: 'a' },
      { type: 'loadRun', runId: 'run-1' },
    ];
    for (const message of valid) assert.deepEqual(parseWebviewMessage(message), { ok: true, message }, JSON.stringify(message));
  });

  it('rejects unknown types, missing or mistyped fields and extra fields', () => {
    const invalid: unknown[] = [
      null,
      'ready',
      42,
      [],
      {},
      { type: 'executeCommand', command: 'workbench.action.terminal.new' },
      { type: 'openFile', path: '/etc/passwd' },
      { type: 'rerunRow', id: 'a' },
      { type: 'rerunRow', id: 'a', bypassCache: 'yes' },
      { type: 'rerunRow', id: '', bypassCache: true },
      { type: 'export', format: 'html' },
      { type: 'export', format: 'csv', path: '/tmp/out.csv' },
      { type: 'revealInEditor', id: 'a', uri: 'file:///etc/passwd' },
      { type: 'revealInEditor', id: { toString: 'a' } },
      { type: 'copy', id: 'a', part: 'apiKey' },
      { type: 'copy', id: 'a', part: 'answer', text: 'anything' },
      { type: 'loadRun' },
      { type: 'loadRun', runId: 'x'.repeat(5000) },
      { type: 'ready', __proto__: { type: 'cancel' }, extra: 1 },
    ];
    for (const message of invalid) {
      const parsed = parseWebviewMessage(message);
      assert.equal(parsed.ok, false, JSON.stringify(message));
    }
  });

  it('describes what it ignored without echoing the payload', () => {
    const parsed = parseWebviewMessage({ type: 'openFile', path: '/secret/path' });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) {
      assert.match(parsed.reason, /openFile/);
      assert.doesNotMatch(parsed.reason, /secret/);
    }
  });
});

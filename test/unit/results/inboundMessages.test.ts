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
      { type: 'revealCheck', id: 'a', check: 2 },
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

  it('lets a check be revealed only by its position, never by a file or a range', () => {
    for (const message of [
      { type: 'revealCheck', id: 'a', check: -1 },
      { type: 'revealCheck', id: 'a', check: 1.5 },
      { type: 'revealCheck', id: 'a', check: '0' },
      { type: 'revealCheck', id: 'a' },
      { type: 'revealCheck', id: 'a', check: 0, file: 'file:///etc/passwd' },
      { type: 'revealCheck', id: 'a', check: 0, range: { startLine: 0, startColumn: 0, endLine: 0, endColumn: 1 } },
    ]) {
      assert.equal(parseWebviewMessage(message).ok, false, JSON.stringify(message));
    }
  });

  it('rejects a message naming a command to run, whatever it is called', () => {
    for (const type of ['runCommand', 'executeCommand', 'command', 'vscode.executeCommand']) {
      const parsed = parseWebviewMessage({ type, command: 'workbench.action.terminal.new', args: ['rm -rf ~'] });
      assert.equal(parsed.ok, false, type);
      if (!parsed.ok) {
        assert.match(parsed.reason, /unknown message type/);
        assert.doesNotMatch(parsed.reason, /terminal|rm -rf/);
      }
    }
  });

  it('rejects an extra field on every message type of the protocol', () => {
    const valid = [
      { type: 'ready' },
      { type: 'rerunFailed' },
      { type: 'rerunRow', id: 'a', bypassCache: false },
      { type: 'cancel' },
      { type: 'export', format: 'csv' },
      { type: 'revealInEditor', id: 'a' },
      { type: 'revealCheck', id: 'a', check: 0 },
      { type: 'copy', id: 'a', part: 'answer' },
      { type: 'requestDetail', id: 'a' },
      { type: 'loadRun', runId: 'run-1' },
    ];
    for (const message of valid) {
      for (const extra of [{ command: 'workbench.action.terminal.new' }, { uri: 'file:///etc/passwd' }, { constructor: 'x' }]) {
        const parsed = parseWebviewMessage({ ...message, ...extra });
        assert.equal(parsed.ok, false, JSON.stringify({ ...message, ...extra }));
        if (!parsed.ok) assert.match(parsed.reason, /unexpected field/);
      }
    }
  });

  it('rejects huge payloads and keeps its log line short', () => {
    const megabytes = 'x'.repeat(2 * 1024 * 1024);
    const huge: unknown[] = [
      { type: 'requestDetail', id: megabytes },
      { type: 'export', format: 'csv', ids: Array.from({ length: 1_000_001 }, (_, i) => `id-${i}`) },
      { type: 'export', format: 'csv', ids: ['a', megabytes] },
      { type: megabytes },
      { type: 'ready', [megabytes]: true },
      { type: 'loadRun', runId: 'run-1', padding: megabytes },
    ];
    for (const message of huge) {
      const parsed = parseWebviewMessage(message);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.ok(parsed.reason.length < 300, `a ${parsed.reason.length}-character log line`);
    }
  });

  it('cannot forge log lines with the names it quotes', () => {
    const forged = 'ready\n2026-01-01 00:00:00.000 [info] req-1 ok';
    for (const message of [{ type: forged }, { type: 'ready', [forged]: 1 }]) {
      const parsed = parseWebviewMessage(message);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.doesNotMatch(parsed.reason, /\n|\[info\]/);
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

/**
 * Three-line `.llmbatch` files that once hung or filled the extension host when
 * opened — diagnostics parse every file on open, in untrusted workspaces too:
 * a data file that never ends, one that blocks until someone writes to it, and
 * variables that double forty times. Each must be reported at once while the
 * editor keeps answering.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { activateExtension, fixture } from './hostFixtures';

/**
 * The longest the extension host may stop answering. The parse runs on its
 * event loop, so a parse that hangs shows as a delay of the loop itself,
 * whatever the browser and the workbench around it take on a busy machine
 * (each file here held it for eight seconds or more before it was refused).
 */
const maxBlockedMs = 2_000;
/** How long another file's problems may take to appear while a hostile file is open (the workbench included). */
const otherFileMs = 10_000;

function problems(uri: vscode.Uri): string[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((diagnostic) => diagnostic.source === 'LLM Batch' && diagnostic.severity === vscode.DiagnosticSeverity.Error)
    .map((diagnostic) => `${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1}: ${diagnostic.message}`);
}

/** Polls (every 20 ms, so a blocked host shows up as lost time) until `accept` takes what `read` gives. */
async function until<T>(read: () => T, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (accept(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Opens `uri` and waits for an error matching `pattern`; returns how long that took. */
async function openAndCheck(uri: vscode.Uri, pattern: RegExp): Promise<number> {
  const started = Date.now();
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  await until(() => problems(uri), (list) => list.some((line) => pattern.test(line)), `no error matching ${pattern} on ${uri.path}`);
  return Date.now() - started;
}

/**
 * Opens the hostile file, waits for its error, then — while it is open — asks
 * for its CodeLens and opens another file until that file's problems appear.
 * The host's event loop must never have stopped for long meanwhile.
 */
async function assertReportedWhileResponsive(hostile: vscode.Uri, pattern: RegExp): Promise<void> {
  const delays = monitorEventLoopDelay({ resolution: 10 });
  delays.enable();
  try {
    await openAndCheck(hostile, pattern);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', hostile, 10);
    assert.ok(Array.isArray(lenses));
    const otherMs = await openAndCheck(fixture('editor/problems.llmbatch'), /unknown variable \{\{lnag\}\}/);
    assert.ok(otherMs < otherFileMs, `another file took ${otherMs} ms to be checked`);
  } finally {
    delays.disable();
  }
  const blockedMs = Math.round(delays.max / 1e6);
  assert.ok(blockedMs < maxBlockedMs, `the extension host stopped answering for ${blockedMs} ms`);
}

describe('hostile .llmbatch files in the editor', function () {
  this.timeout(60_000);
  let dir: string;
  let writer: ChildProcess | undefined;

  before(async () => {
    await activateExtension();
    dir = mkdtempSync(join(fixture('').fsPath, 'hostile-'));
    // What opening the first file costs the host once (loading, other extensions waking up) is not the parse's.
    await openAndCheck(fixture('editor/problems.llmbatch'), /unknown variable \{\{lnag\}\}/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(() => {
    if (writer?.exitCode === null) writer.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses @data = /dev/zero at once, naming the device', async () => {
    const file = join(dir, 'zero.llmbatch');
    writeFileSync(file, '@provider = echo\n@data = /dev/zero\n### a\nuser: {{x}}\n');
    await assertReportedWhileResponsive(vscode.Uri.file(file), /^2:9: \/dev\/zero: this is a device, not a regular file/);
  });

  it('refuses @data = ./fifo without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo');
    const made = spawnSync('mkfifo', [fifo]);
    assert.equal(made.status, 0, `mkfifo failed: ${made.stderr?.toString()}`);
    // Should the editor wait on the pipe, this writer frees it after a while, and the time lost shows.
    writer = spawn('sh', ['-c', `sleep 8; printf 'x\\n1\\n' > '${fifo}'`], { stdio: 'ignore' });
    const file = join(dir, 'fifo.llmbatch');
    writeFileSync(file, '@provider = echo\n@data = ./fifo\n### a\nuser: {{x}}\n');
    await assertReportedWhileResponsive(vscode.Uri.file(file), /^2:9: fifo: this is a named pipe \(FIFO\), not a regular file/);
  });

  it('stops forty doubling variables with an error at the variable that passes the limit', async () => {
    const lines = ['@provider = echo', '@v0 = x'];
    for (let i = 1; i <= 40; i++) lines.push(`@v${i} = {{v${i - 1}}}{{v${i - 1}}}`);
    lines.push('### a', 'user: {{v40}}');
    const file = join(dir, 'doubling.llmbatch');
    writeFileSync(file, `${lines.join('\n')}\n`);
    await assertReportedWhileResponsive(vscode.Uri.file(file), /^25:1: @v23: filling in placeholders makes more than 10 MB of text for one request/);
  });
});

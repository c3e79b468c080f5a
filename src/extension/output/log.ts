/**
 * The "LLM Batch" output channel: one line per request and a line per run.
 * Lines carry ids, status codes, attempts, latency and token counts only — never
 * headers or keys — and every line passes through the engine's redaction on its
 * way to the channel, whoever wrote it. Each entry is one line: control
 * characters a server put in its messages (newlines included) are written as
 * visible escapes, so they can neither drive the channel nor fake an entry.
 */
import * as vscode from 'vscode';
import type { BatchResult } from '../../core/models';
import { formatResultLine, logLine } from './runText';

type Level = 'info' | 'warn' | 'error';

export class Log implements vscode.Disposable {
  #channel: vscode.LogOutputChannel | undefined;
  readonly #written = new vscode.EventEmitter<string>();
  /** Each line exactly as it went to the channel (after redaction, made printable). */
  readonly onDidWrite = this.#written.event;

  // Created on first use so activation stays cheap.
  private get channel(): vscode.LogOutputChannel {
    this.#channel ??= vscode.window.createOutputChannel('LLM Batch', { log: true });
    return this.#channel;
  }

  info(message: string): void {
    this.#write('info', message);
  }

  warn(message: string): void {
    this.#write('warn', message);
  }

  error(message: string): void {
    this.#write('error', message);
  }

  /** One line for a finished request. */
  result(result: BatchResult): void {
    const line = formatResultLine(result);
    this.#write(result.ok || result.error.code === 'cancelled' ? 'info' : 'warn', line);
  }

  #write(level: Level, message: string): void {
    const line = logLine(message);
    this.channel[level](line);
    this.#written.fire(line);
  }

  dispose(): void {
    this.#channel?.dispose();
    this.#written.dispose();
  }
}

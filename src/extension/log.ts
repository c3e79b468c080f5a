/**
 * The "LLM Batch" output channel: one line per request and a line per run.
 * Lines carry ids, status codes, attempts, latency and token counts only — never
 * headers or keys — and every message passes through the engine's redaction.
 */
import * as vscode from 'vscode';
import type { BatchResult } from '../core/models';
import { redactSecrets } from '../core/errors';
import { formatResultLine } from './runs/runText';

export class Log implements vscode.Disposable {
  #channel: vscode.LogOutputChannel | undefined;

  // Created on first use so activation stays cheap.
  get channel(): vscode.LogOutputChannel {
    this.#channel ??= vscode.window.createOutputChannel('LLM Batch', { log: true });
    return this.#channel;
  }

  info(message: string): void {
    this.channel.info(redactSecrets(message));
  }

  warn(message: string): void {
    this.channel.warn(redactSecrets(message));
  }

  error(message: string): void {
    this.channel.error(redactSecrets(message));
  }

  /** One line for a finished request. */
  result(result: BatchResult): void {
    const line = formatResultLine(result);
    if (result.ok) this.channel.info(line);
    else if (result.error.code === 'cancelled') this.channel.info(line);
    else this.channel.warn(line);
  }

  dispose(): void {
    this.#channel?.dispose();
  }
}

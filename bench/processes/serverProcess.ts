/**
 * A bench server (bench/servers/*Serve.ts) in a process of its own, so client and
 * server each get a core. Every such server prints its base URL on the first line
 * of stdout and answers `GET /bench/stats` and `POST /bench/reset`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ServerStats } from '../servers/mockServe';
import type { RateLimitedServerStats } from '../servers/rateLimitedServe';

export interface MockServerProcessOptions {
  readonly root: string;
  readonly latencyMs: number;
  readonly faults?: 'standard';
}

export interface RateLimitedServerOptions {
  readonly root: string;
  readonly rpm: number;
  readonly tpm: number;
  readonly latencyMs: number;
}

export class ServerProcess<Stats> {
  private constructor(
    private readonly child: ChildProcess,
    /** `http://127.0.0.1:PORT/v1` */
    readonly baseUrl: string,
  ) {}

  /** The plain mock server (bench/servers/mockServe.ts), with or without its standard fault mix. */
  static mock(options: MockServerProcessOptions): Promise<ServerProcess<ServerStats>> {
    return ServerProcess.start('mock server', options.root, 'mockServe.js', ['--latency', String(options.latencyMs), ...(options.faults ? ['--faults', options.faults] : [])]);
  }

  /** The mock that enforces request and token budgets a minute (bench/servers/rateLimitedServe.ts). */
  static rateLimited(options: RateLimitedServerOptions): Promise<ServerProcess<RateLimitedServerStats>> {
    return ServerProcess.start('rate-limited server', options.root, 'rateLimitedServe.js', ['--rpm', String(options.rpm), '--tpm', String(options.tpm), '--latency', String(options.latencyMs)]);
  }

  private static async start<Stats>(label: string, root: string, script: string, args: readonly string[]): Promise<ServerProcess<Stats>> {
    const child = spawn(process.execPath, [join(root, 'dist', 'bench', 'servers', script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    const baseUrl = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`the ${label} did not start within 10 s`)), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the ${label} exited with ${code} before listening`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const newline = buffered.indexOf('\n');
        if (newline === -1) return;
        clearTimeout(timer);
        resolve(buffered.slice(0, newline).trim());
      });
    });
    child.removeAllListeners('exit');
    if (!/^http:\/\/127\.0\.0\.1:\d+\/v1$/.test(baseUrl)) {
      child.kill();
      throw new Error(`the ${label} printed an unexpected base URL: ${baseUrl}`);
    }
    return new ServerProcess<Stats>(child, baseUrl);
  }

  private get origin(): string {
    return this.baseUrl.replace(/\/v1$/, '');
  }

  async stats(): Promise<Stats> {
    return (await (await fetch(`${this.origin}/bench/stats`)).json()) as Stats;
  }

  /** Zeroes the counters and forgets what was seen (faults, limit windows), so the next run meets the same server. */
  async reset(): Promise<void> {
    await (await fetch(`${this.origin}/bench/reset`, { method: 'POST' })).text();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

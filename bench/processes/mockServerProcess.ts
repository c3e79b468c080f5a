/** The mock server in a process of its own, so client and server each get a core. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ServerStats } from '../servers/mockServe';

export interface MockServerProcessOptions {
  readonly root: string;
  readonly latencyMs: number;
  readonly faults?: 'standard';
}

export class MockServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    /** `http://127.0.0.1:PORT/v1` */
    readonly baseUrl: string,
  ) {}

  static async start(options: MockServerProcessOptions): Promise<MockServerProcess> {
    const script = join(options.root, 'dist', 'bench', 'servers', 'mockServe.js');
    const args = [script, '--latency', String(options.latencyMs), ...(options.faults ? ['--faults', options.faults] : [])];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const baseUrl = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error('the mock server did not start within 10 s')), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the mock server exited with ${code} before listening`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const newline = buffered.indexOf('\n');
        if (newline !== -1) {
          clearTimeout(timer);
          resolve(buffered.slice(0, newline).trim());
        }
      });
    });
    if (!/^http:\/\/127\.0\.0\.1:\d+\/v1$/.test(baseUrl)) {
      child.kill();
      throw new Error(`the mock server printed an unexpected base URL: ${baseUrl}`);
    }
    child.removeAllListeners('exit');
    return new MockServerProcess(child, baseUrl);
  }

  private get origin(): string {
    return this.baseUrl.replace(/\/v1$/, '');
  }

  async stats(): Promise<ServerStats> {
    const response = await fetch(`${this.origin}/bench/stats`);
    return (await response.json()) as ServerStats;
  }

  /** Zeroes the counters and forgets which bodies were seen, so the next run meets the same faults. */
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

/**
 * Runs a program to completion and measures it from the outside, as a user
 * would experience it: wall time from spawn to exit and the peak resident set
 * size (from GNU time, which reads it from the kernel when the process ends).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcessRun {
  readonly wallMs: number;
  /** Peak RSS in bytes; undefined where GNU time is missing. */
  readonly peakRssBytes?: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last 64 KiB of each stream. */
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface MeasureOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Give the program a terminal (through `script`), so it shows what it shows people, e.g. a progress bar. */
  readonly terminal?: boolean;
  /** Killed after this long; every run must end by itself. */
  readonly timeoutMs: number;
}

const gnuTime = '/usr/bin/time';
// Process groups of the programs running now, so an interrupted bench can stop them.
const running = new Set<number>();

/** Kills every program still being measured (each with its whole process group). */
export function stopAllMeasured(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}
const keepChars = 65_536;

/** Single-quotes `word` for `sh -c`. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function hasTerminalWrapper(): boolean {
  return existsSync('/usr/bin/script');
}

export async function measureProcess(command: string, args: readonly string[], options: MeasureOptions): Promise<ProcessRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'llmbatch-bench-time-'));
  const rssFile = join(scratch, 'rss');
  const timed = existsSync(gnuTime) ? [gnuTime, '-f', '%M', '-o', rssFile, command, ...args] : [command, ...args];
  // `script` gives the program a pseudo-terminal on all three streams; -e passes its exit code through.
  const argv = options.terminal && hasTerminalWrapper() ? ['/usr/bin/script', '-qefc', timed.map(shellQuote).join(' '), '/dev/null'] : timed;
  const started = process.hrtime.bigint();
  // Its own process group, so a timeout stops the program and not only its GNU time or script wrapper.
  const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid !== undefined) running.add(child.pid);
  let stdout = '';
  let stderr = '';
  const keep = (previous: string, chunk: Buffer) => {
    const next = previous + chunk.toString('utf8');
    return next.length > keepChars ? next.slice(-keepChars) : next;
  };
  child.stdout.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
  child.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
  let timedOut = false;
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  let killer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
    // A child killed before it became a group leader leaves its own children holding
    // the pipes open; killing the group again once it exists ends them too.
    killer = setInterval(killGroup, 100);
  }, options.timeoutMs);
  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve([code, sig]));
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    let peakRssBytes: number | undefined;
    if (existsSync(rssFile)) {
      // GNU time prints "Command exited with non-zero status N" before the figure when the program fails.
      const kib = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      if (Number.isFinite(kib) && kib > 0) peakRssBytes = kib * 1024;
    }
    return { wallMs, ...(peakRssBytes !== undefined && { peakRssBytes }), exitCode, signal, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
    clearInterval(killer);
    if (child.pid !== undefined) running.delete(child.pid);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Throws with the program's own words unless it exited with one of `okCodes`. */
export function assertExited(run: ProcessRun, what: string, okCodes: readonly number[] = [0]): void {
  if (run.timedOut) throw new Error(`${what} did not finish in time and was stopped`);
  if (run.exitCode === null || !okCodes.includes(run.exitCode)) {
    const tail = `${run.stderr}\n${run.stdout}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${what} exited with ${run.exitCode ?? run.signal}:\n${tail}`);
  }
}

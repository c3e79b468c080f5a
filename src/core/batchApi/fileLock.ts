/**
 * A lock file that lets several processes (the editor, command-line runs)
 * take turns changing one file: created with O_EXCL, so only one process can
 * hold it; the holder's pid, host and start time are written into it, so a
 * lock left behind by a process that died is recognised and broken.
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Clock } from '../engine/clock';
import { systemClock } from '../engine/clock';

/** An open lock file. */
export interface LockFileHandle {
  writeFile(data: string, encoding: 'utf8'): Promise<void>;
  close(): Promise<void>;
}

/** The file operations a lock needs; node's `fs/promises` by default. */
export interface LockFileSystem {
  /** Called with `'wx'` only: fails with EEXIST when the file exists. */
  open(path: string, flags: 'wx'): Promise<LockFileHandle>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  rename(from: string, to: string): Promise<void>;
  /** Fails with EEXIST when `to` exists. */
  link(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export interface FileLockOptions {
  readonly fs?: LockFileSystem;
  readonly clock?: Clock;
  /** A lock older than this is taken to be left behind, whoever holds it. Default 10 s (the lock is held for milliseconds). */
  readonly staleMs?: number;
  /** How long to wait for a lock another process holds. Default 30 s. */
  readonly timeoutMs?: number;
  /** Wait between two tries. Default 10 ms. */
  readonly retryMs?: number;
  /** Whether a process of this host is still running; `process.kill(pid, 0)` by default. */
  readonly isAlive?: (pid: number) => boolean;
}

/** What a lock file says about its holder. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly createdAt: number;
  readonly token: string;
}

/** The lock was held by a live process for longer than the wait allowed. */
export class LockTimeoutError extends Error {
  constructor(
    readonly lockPath: string,
    holder: string,
  ) {
    super(`${lockPath} is held by ${holder}; if no llmbatch process is running, remove that file`);
    this.name = 'LockTimeoutError';
  }
}

/** Runs `work` while holding the lock file `lockPath`; the lock is released however `work` ends. */
export async function withFileLock<T>(lockPath: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const token = await acquire(lockPath, options);
  try {
    return await work();
  } finally {
    await release(lockPath, token, options.fs ?? nodeFs);
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<string> {
  const fs = options.fs ?? nodeFs;
  const clock = options.clock ?? systemClock;
  const staleMs = options.staleMs ?? 10_000;
  const deadline = clock.now() + (options.timeoutMs ?? 30_000);
  const owner: LockOwner = { pid: process.pid, host: hostname(), createdAt: 0, token: randomBytes(8).toString('hex') };
  // Locks of other hosts (their clocks may differ) and unreadable ones (being
  // written, or their writer died) are timed from when this process first saw them.
  let seen: { text: string; since: number } | undefined;
  for (;;) {
    if (await tryCreate(lockPath, { ...owner, createdAt: clock.now() }, fs)) return owner.token;
    const text = await fs.readFile(lockPath, 'utf8').catch(ignoreMissing);
    if (text === undefined) continue;
    if (seen?.text !== text) seen = { text, since: clock.now() };
    const holder = parseOwner(text);
    const ageMs = clock.now() - (holder?.host === owner.host ? holder.createdAt : seen.since);
    if (isStale(holder, ageMs, staleMs, owner, options.isAlive ?? isAlive)) {
      await breakLock(lockPath, text, fs);
      continue;
    }
    if (clock.now() >= deadline) throw new LockTimeoutError(lockPath, holder ? `process ${holder.pid} on ${holder.host}` : 'a process that has not finished writing it');
    await clock.sleep((options.retryMs ?? 10) * (0.5 + Math.random()));
  }
}

async function tryCreate(lockPath: string, owner: LockOwner, fs: LockFileSystem): Promise<boolean> {
  let handle: LockFileHandle;
  try {
    handle = await fs.open(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(owner), 'utf8');
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.unlink(lockPath).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return true;
}

function isStale(holder: LockOwner | undefined, ageMs: number, staleMs: number, self: LockOwner, alive: (pid: number) => boolean): boolean {
  if (ageMs > staleMs) return true;
  // A pid is only meaningful on its own host; the lock file may be on a shared disk.
  return holder !== undefined && holder.host === self.host && holder.pid !== self.pid && !alive(holder.pid);
}

/**
 * Moves the stale lock aside (rename is atomic: of several processes breaking
 * it at once, one wins) and checks it was the lock judged stale; a fresh lock
 * taken meanwhile and moved by mistake is put back.
 */
async function breakLock(lockPath: string, staleText: string, fs: LockFileSystem): Promise<void> {
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(ignoreMissing);
  if (moved !== undefined && moved !== staleText) await fs.link(aside, lockPath).catch(() => undefined);
  await fs.unlink(aside).catch(() => undefined);
}

/** Removes the lock if it is still ours (it is not when another process broke it as stale). */
async function release(lockPath: string, token: string, fs: LockFileSystem): Promise<void> {
  // A lock that cannot be removed is broken as stale later; it must not hide how the work ended.
  const text = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
  if (text !== undefined && parseOwner(text)?.token === token) await fs.unlink(lockPath).catch(() => undefined);
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.createdAt === 'number' && typeof value.token === 'string') return value as LockOwner;
  } catch {
    // Half-written or foreign: handled as unreadable.
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}

/**
 * What llmbatch remembers about batch jobs between runs: every submission with
 * its jobs, their last known status, and the cache key of each request so
 * answers can be cached when a job finishes, even in another process days later.
 *
 * The CLI keeps this in `.llmbatch-jobs.json` inside the cache directory; the
 * editor keeps the same file in its workspace storage.
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BatchRequestCounts } from './batchObjects';
import type { FileLockOptions, LockFileSystem } from './fileLock';
import { withFileLock } from './fileLock';

/** Name of the state file. */
export const jobStateFileName = '.llmbatch-jobs.json';

/** Where a submission's jobs live: the profile and base URL its key belongs to. */
export interface JobEndpoint {
  readonly profile: string;
  readonly apiBase: string;
}

/** A request of a job that ended without an answer. */
export interface JobFailure {
  readonly code: string;
  readonly message: string;
  readonly statusCode?: number;
}

export interface BatchJobRecord {
  /** The Batch API's id, `batch_…`. */
  readonly id: string;
  readonly inputFileId: string;
  readonly requestCount: number;
  /** As the API last reported it. */
  status: string;
  counts?: BatchRequestCounts;
  outputFileId?: string;
  errorFileId?: string;
  /** Job-level problem of a failed job (e.g. its input was refused). */
  error?: string;
  /** Set once the job's files were read and its answers cached. */
  collectedAt?: number;
  /** Answers written into the cache when collected. */
  answered?: number;
  /** Requests without an answer, by custom_id. */
  failures?: Record<string, JobFailure>;
  updatedAt: number;
}

/**
 * One `submit`: a file's requests, spread over one or more jobs. `requests`
 * lists every request in input order as `[custom_id, cache key, job index]`,
 * job index -1 for a request already answered in the cache, which was not sent.
 */
export interface SubmissionRecord {
  readonly id: string;
  /** The source file, as the submitter named it. */
  readonly file: string;
  readonly createdAt: number;
  readonly endpoint: JobEndpoint;
  readonly requests: ReadonlyArray<readonly [string, string, number]>;
  readonly jobs: BatchJobRecord[];
}

export interface JobState {
  readonly version: 1;
  readonly submissions: SubmissionRecord[];
}

/** Where job state is kept. Updates are applied one at a time to the latest saved state. */
export interface JobStore {
  read(): Promise<JobState>;
  /** Re-reads the state, lets `change` edit it in place, saves it, and returns it. */
  update(change: (state: JobState) => void): Promise<JobState>;
}

export function emptyJobState(): JobState {
  return { version: 1, submissions: [] };
}

/** A fresh submission id, sortable by time. */
export function newSubmissionId(now: number): string {
  return `sub-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The file operations the store needs; node's `fs/promises` by default. */
export interface JobStoreFileSystem extends LockFileSystem {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, encoding: 'utf8'): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<string | undefined>;
  unlink(path: string): Promise<void>;
}

/** How long a store waits for, and when it breaks, the lock of another process. */
export type JobStoreLockOptions = Omit<FileLockOptions, 'fs'>;

/**
 * Job state in one JSON file, replaced whole on every change (write to a
 * temporary file, then rename) so a crash never leaves half a file. Several
 * processes may share the file (the editor and command-line runs): each change
 * is made under the lock file `<path>.lock` to the state as saved at that
 * moment, so no process overwrites a job another one just recorded. An
 * unreadable file is an error, not an empty state: it names jobs that are
 * being paid for.
 */
export class FileJobStore implements JobStore {
  readonly #fs: JobStoreFileSystem;
  readonly #lock: JobStoreLockOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    fs?: JobStoreFileSystem,
    lock: JobStoreLockOptions = {},
  ) {
    this.#fs = fs ?? nodeFs;
    this.#lock = lock;
  }

  /** The lock file changes are made under. */
  get lockPath(): string {
    return `${this.path}.lock`;
  }

  async read(): Promise<JobState> {
    let text: string;
    try {
      text = await this.#fs.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyJobState();
      throw error;
    }
    return parseJobState(text, this.path);
  }

  update(change: (state: JobState) => void): Promise<JobState> {
    const next = this.#queue.then(async () => {
      await this.#fs.mkdir(dirname(this.path), { recursive: true });
      return withFileLock(
        this.lockPath,
        async () => {
          const state = await this.read();
          change(state);
          await this.#write(state);
          return state;
        },
        { ...this.#lock, fs: this.#fs },
      );
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #write(state: JobState): Promise<void> {
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await this.#fs.writeFile(temporary, `${JSON.stringify(state, null, 1)}\n`, 'utf8');
      await this.#fs.rename(temporary, this.path);
    } catch (error) {
      await this.#fs.unlink(temporary).catch(() => undefined);
      throw error;
    }
  }
}

/** Job state held in memory only, for tests and for callers that keep it elsewhere. */
export class MemoryJobStore implements JobStore {
  #text = JSON.stringify(emptyJobState());

  async read(): Promise<JobState> {
    return JSON.parse(this.#text) as JobState;
  }

  async update(change: (state: JobState) => void): Promise<JobState> {
    const state = await this.read();
    change(state);
    this.#text = JSON.stringify(state);
    return state;
  }
}

function parseJobState(text: string, path: string): JobState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON; it lists batch jobs, so it was left as it is (fix or remove it)`);
  }
  const state = parsed as Partial<JobState>;
  if (typeof parsed !== 'object' || parsed === null || state.version !== 1 || !Array.isArray(state.submissions)) {
    throw new Error(`${path} is not an llmbatch job list (version 1); it was left as it is`);
  }
  return state as JobState;
}

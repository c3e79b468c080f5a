/**
 * The last runs of each file, kept across window reloads: each run is a JSON
 * file in the workspace's storage folder (ten thousand results do not belong in
 * `workspaceState`), and a small index in `workspaceState` lists them newest
 * first. File names are hashes, never anything a message or a file name chose.
 */
import { createHash } from 'node:crypto';
import type { HistoryEntry } from '../../webview/protocol';
import type { RunRecord, StoredRun } from './runRecord';

/** Files relative to the results storage folder. */
export interface HistoryFiles {
  read(path: string): Promise<Uint8Array | undefined>;
  write(path: string, data: Uint8Array): Promise<void>;
  delete(path: string): Promise<void>;
}

/** The `Memento` subset the index needs. */
export interface HistoryIndexStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface RunHistoryOptions {
  readonly files: HistoryFiles;
  readonly index: HistoryIndexStore;
  /** How many runs of a file to keep (the `llmbatch.results.historySize` setting). */
  readonly historySize: () => number;
  readonly onError?: (message: string) => void;
}

interface IndexEntry extends HistoryEntry {
  readonly path: string;
}

type Index = Readonly<Record<string, readonly IndexEntry[]>>;

const indexKey = 'llmbatch.results.history';

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}

/** Where a run is stored: `runs/<file hash>/<run hash>.json`. */
export function runPath(fileUri: string, runId: string): string {
  return `runs/${hash(fileUri)}/${hash(runId)}.json`;
}

function isStoredRun(value: unknown, fileUri: string, runId: string): value is StoredRun {
  if (!value || typeof value !== 'object') return false;
  const run = value as Partial<StoredRun>;
  return run.version === 1 && run.runId === runId && run.fileUri === fileUri && typeof run.startedAt === 'number' && Array.isArray(run.items) && Array.isArray(run.results);
}

export class RunHistory {
  // Saves of one file run one after another so the index never loses an entry.
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: RunHistoryOptions) {}

  /** The stored runs of a file, newest first. */
  entries(fileUri: string): HistoryEntry[] {
    return (this.index()[fileUri] ?? []).map(({ path: _path, ...entry }) => entry);
  }

  /** Saves a run (replacing an earlier save of it) and forgets the runs beyond the history size. */
  save(record: RunRecord): Promise<void> {
    const work = this.queue.then(() => this.doSave(record));
    this.queue = work.catch(() => undefined);
    return work;
  }

  /** A stored run of `fileUri`; undefined when the index does not list it or its file is gone or damaged. */
  async load(fileUri: string, runId: string): Promise<StoredRun | undefined> {
    const entry = this.index()[fileUri]?.find((candidate) => candidate.runId === runId);
    if (!entry) return undefined;
    try {
      const data = await this.options.files.read(entry.path);
      if (!data) return undefined;
      const parsed: unknown = JSON.parse(new TextDecoder().decode(data));
      return isStoredRun(parsed, fileUri, runId) ? parsed : undefined;
    } catch (error) {
      this.options.onError?.(`could not read a stored run: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /** The newest stored run of `fileUri`. */
  async latest(fileUri: string): Promise<StoredRun | undefined> {
    const newest = this.index()[fileUri]?.[0];
    return newest ? this.load(fileUri, newest.runId) : undefined;
  }

  private index(): Index {
    const value = this.options.index.get<Index>(indexKey);
    return value && typeof value === 'object' ? value : {};
  }

  private async doSave(record: RunRecord): Promise<void> {
    const path = runPath(record.fileUri, record.runId);
    await this.options.files.write(path, new TextEncoder().encode(JSON.stringify(record.toStored())));
    const index = this.index();
    const keep = Math.max(1, Math.floor(this.options.historySize()));
    const entries = [{ ...record.historyEntry(), path }, ...(index[record.fileUri] ?? []).filter((entry) => entry.runId !== record.runId)];
    const dropped = entries.slice(keep);
    await this.options.index.update(indexKey, { ...index, [record.fileUri]: entries.slice(0, keep) });
    for (const entry of dropped) {
      await this.options.files.delete(entry.path).catch((error: unknown) => this.options.onError?.(`could not delete an old run: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

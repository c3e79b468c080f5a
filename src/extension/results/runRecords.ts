/**
 * Each file's latest run, as one `RunRecord` — the record the results panel
 * shows and stores. The results side fills it from run events (and from
 * storage after a reload); the run controller only asks it what a re-run
 * should send again and where re-sent rows belong. Pure: no VS Code here.
 */
import type { RunRecord } from './runRecord';

export class RunRecords {
  readonly #latest = new Map<string, RunRecord>();

  /** The file's latest run of this session (live, finished, or read back from storage). */
  latest(fileUri: string): RunRecord | undefined {
    return this.#latest.get(fileUri);
  }

  set(record: RunRecord): void {
    this.#latest.set(record.fileUri, record);
  }
}

/**
 * Each block's pass rate in the latest run of its file, for the CodeLens
 * ("▶ Run · 12 requests · ✓ 10/12"): kept per request id from run events, so a
 * re-run of a few requests updates the rate instead of replacing it. Pure.
 */
import type { PassCount } from '../../core/expect/outcomes';
import type { RunEvent } from '../runs/runEvents';

interface Verdicts {
  readonly runs: Set<string>;
  /** Request id → its block and, once scored, whether it passed. */
  readonly requests: Map<string, { readonly block: string | undefined; pass?: boolean }>;
}

export class PassRates {
  private readonly files = new Map<string, Verdicts>();
  /** Run id → file. */
  private readonly runs = new Map<string, Verdicts>();

  /** Follows one run event; true when a file's pass rates may have changed (the run finished). */
  take(event: RunEvent): boolean {
    switch (event.type) {
      case 'started': {
        const previous = this.files.get(event.fileUri);
        // A re-run completes the run it updates; any other run starts the file afresh.
        const verdicts = event.updates !== undefined && previous?.runs.has(event.updates) ? previous : { runs: new Set<string>(), requests: new Map() };
        verdicts.runs.add(event.runId);
        if (event.updates !== undefined) verdicts.runs.add(event.updates);
        for (const item of event.items) if (item.expects) verdicts.requests.set(item.id, { block: item.block });
        this.files.set(event.fileUri, verdicts);
        this.runs.set(event.runId, verdicts);
        return false;
      }
      case 'results': {
        const requests = this.runs.get(event.runId)?.requests;
        for (const result of event.results) {
          const request = requests?.get(result.id);
          // A cancelled re-run keeps the earlier answer, and so its verdict.
          if (!request || (!result.ok && result.error.code === 'cancelled')) continue;
          const outcome = event.outcomes?.[result.id];
          // A failed answer is not scored: it drops out of the rate.
          if (outcome) request.pass = outcome.pass;
          else delete request.pass;
        }
        return false;
      }
      case 'finished':
        this.runs.delete(event.runId);
        return true;
      default:
        return false;
    }
  }

  /** The block's scored requests and how many passed; undefined before a scored run of it. */
  of(fileUri: string, block: string): PassCount | undefined {
    const requests = this.files.get(fileUri)?.requests;
    if (!requests) return undefined;
    let scored = 0;
    let passed = 0;
    for (const request of requests.values()) {
      if (request.block !== block || request.pass === undefined) continue;
      scored++;
      if (request.pass) passed++;
    }
    return scored > 0 ? { scored, passed } : undefined;
  }
}

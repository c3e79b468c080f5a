/**
 * Everything decided before a run sends anything: which items, to which
 * endpoints, with which keys. Any problem refuses the whole run, so a file
 * that is partly wrong never sends half a batch.
 */
import type { BatchItem } from '../../core/models';
import type { Diagnostic } from '../../core/diagnostics';
import { findProfileKey } from '../../core/endpoints/profiles';
import type { ReadyProviders } from '../../core/endpoints/providerSetup';
import { prepareProviders } from '../../core/run/runAssembly';
import type { RunSettings } from '../config/settings';
import { problemsFor } from '../config/profileSettings';
import type { RunScoring } from '../../core/expect/runScoring';
import type { KeyStore } from '../keys/keyStore';
import type { LoadedBatch } from '../../core/batchFile/loadBatch';

/** Why a run did not start; `problems` are shown in the file when they have a place there. */
export class RunRefusedError extends Error {
  constructor(
    message: string,
    readonly problems: readonly Diagnostic[] = [],
    /** Offer "Set API Key…" for this profile. */
    readonly missingKeyFor?: string,
  ) {
    super(message);
    this.name = 'RunRefusedError';
  }
}

export interface Selection {
  /** Block names or 0-based block indexes. */
  readonly blocks?: readonly (string | number)[];
  readonly onlyIds?: readonly string[];
}

/** The items a run covers; refuses when the file has errors or the selection matches nothing. */
export function selectItems(batch: LoadedBatch, selection: Selection, fileName: string): BatchItem[] {
  const errors = batch.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const shown = errors.slice(0, 3).map((d) => `line ${d.range.startLine + 1}: ${d.message}`);
    const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
    throw new RunRefusedError(`${fileName} has ${errors.length} problem${errors.length === 1 ? '' : 's'} to fix before it can run — ${shown.join('; ')}${more}`);
  }
  let items = batch.items;
  if (selection.blocks?.length) {
    const wanted = selection.blocks.map((block) => (typeof block === 'number' ? batch.blocks[block] : batch.blocks.find((b) => b.name === block)));
    const missing = selection.blocks.filter((_, i) => wanted[i] === undefined);
    if (missing.length) throw new RunRefusedError(`${fileName} has no block ${missing.map((b) => (typeof b === 'number' ? `#${b + 1}` : `"${b}"`)).join(', ')}`);
    const chosen = new Set(wanted);
    items = items.filter((item) => chosen.has(batch.blockOf(item)));
  }
  if (selection.onlyIds) {
    const ids = new Set(selection.onlyIds);
    items = items.filter((item) => ids.has(item.id));
  }
  if (items.length === 0) throw new RunRefusedError(`Nothing to run in ${fileName}: no requests match.`);
  return items;
}

/**
 * Resolves endpoints and keys and builds one provider per endpoint. Refuses a
 * file that points a keyed profile at a URL its settings don't name, a keyed
 * endpoint without a key (stored secret first, then the profile's environment
 * variable), and a profile whose settings are unusable (a budget that is not a
 * number above 0).
 */
export async function setUpProviders(
  items: readonly BatchItem[],
  batch: LoadedBatch,
  settings: RunSettings,
  keys: KeyStore,
  options: { readonly env?: Readonly<Record<string, string | undefined>>; readonly fetch?: typeof globalThis.fetch } = {},
  /** A scored run's grader requests need their endpoints (and keys) too. */
  scoring?: RunScoring,
): Promise<ReadyProviders> {
  const setup = await prepareProviders(items, {
    profiles: settings.profiles,
    apiBaseOf: batch.apiBaseOf,
    providerRangeOf: batch.providerRangeOf,
    findKey: (endpoint) => findProfileKey(endpoint, { secret: (profile) => keys.get(profile), env: options.env }),
    ...(options.fetch && { fetch: options.fetch }),
  }, scoring);
  if (setup.ok) {
    // A mistyped budget would otherwise send at full speed into the provider's limit.
    const wrong = problemsFor(settings.profileProblems, setup.endpoints.map((endpoint) => endpoint.profile));
    if (wrong.length > 0) throw new RunRefusedError(`Nothing was sent: ${wrong.map((problem) => problem.message).join('; ')}. Fix it in your user settings.`);
    return setup;
  }
  if (setup.reason === 'endpoint') {
    const first = setup.problems[0]!;
    throw new RunRefusedError(`Nothing was sent: line ${first.range.startLine + 1}: ${first.message}`, setup.problems);
  }
  const { endpoint } = setup;
  const where = endpoint.apiKeyEnv ? ` or set the ${endpoint.apiKeyEnv} environment variable` : '';
  throw new RunRefusedError(`No API key for provider "${endpoint.profile}": use "LLM Batch: Set API Key…"${where}.`, [], endpoint.profile);
}

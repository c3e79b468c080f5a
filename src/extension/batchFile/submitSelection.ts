/**
 * What "Submit as Batch Job" submits: the whole file, or — when it replaces a
 * run the user was about to start (Run Block, Run Request at Cursor, Re-run
 * Failed) — exactly that run's requests. Pure: no VS Code here.
 */
import type { BatchItem } from '../../core/models';
import type { LoadedBatch } from '../../core/batchFile/loadBatch';
import type { Selection } from './runSetup';
import { selectItems } from './runSetup';

/** The second argument of the `llmbatch.submitBatchJob` command. */
export interface SubmitCommandOptions {
  /** Ask before submitting (with the batch price). Default true. */
  readonly confirm?: boolean;
  /** Only these blocks or request ids, as a run's selection; default the whole file. */
  readonly selection?: Selection;
}

/**
 * The command options for submitting, instead of running, the requests a run
 * with `selection` would send. The run's confirmation already showed the
 * price, so the submission does not ask again.
 */
export function submitInsteadOfRun(selection: Selection): SubmitCommandOptions {
  const blocks = selection.blocks?.length ? [...selection.blocks] : undefined;
  const onlyIds = selection.onlyIds ? [...selection.onlyIds] : undefined;
  return { confirm: false, ...((blocks || onlyIds) && { selection: { ...(blocks && { blocks }), ...(onlyIds && { onlyIds }) } }) };
}

/** Reads the command's second argument (it may come from anywhere a command can be run); what is not well-formed is ignored. */
export function readSubmitOptions(value: unknown): SubmitCommandOptions {
  if (!value || typeof value !== 'object') return {};
  const record = value as Record<string, unknown>;
  const selection = readSelection(record['selection']);
  return { ...(typeof record['confirm'] === 'boolean' && { confirm: record['confirm'] }), ...(selection && { selection }) };
}

/** The items a submission covers: those a run with the same selection would cover. Refuses like a run does. */
export function itemsToSubmit(batch: LoadedBatch, selection: Selection | undefined, fileName: string): BatchItem[] {
  return selectItems(batch, selection ?? {}, fileName);
}

function readSelection(value: unknown): Selection | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const blocks = Array.isArray(record['blocks']) ? record['blocks'].filter((block): block is string | number => typeof block === 'string' || (typeof block === 'number' && Number.isInteger(block))) : undefined;
  const onlyIds = Array.isArray(record['onlyIds']) ? record['onlyIds'].filter((id): id is string => typeof id === 'string') : undefined;
  if (!blocks?.length && !onlyIds) return undefined;
  return { ...(blocks?.length ? { blocks } : {}), ...(onlyIds && { onlyIds }) };
}

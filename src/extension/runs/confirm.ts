/** The modal question before a large or costly run. */
import * as vscode from 'vscode';
import type { CostEstimate } from '../../core/pricing';
import { formatUsd } from '../../core/pricing';
import type { ConfirmThresholds } from '../output/runText';
import { confirmationReason } from '../output/runText';
import type { Selection } from '../batchFile/runSetup';
import { submitInsteadOfRun } from '../batchFile/submitSelection';

/**
 * Resolves true when the run may go ahead: below the thresholds, or the user
 * said so. With `uri` the question also offers to submit the file as a Batch
 * API job instead (at the batch price); choosing that submits the requests
 * `selection` picks — those the run would have sent — and resolves false.
 */
export async function confirmRun(fileName: string, toSend: number, estimate: CostEstimate, thresholds: ConfirmThresholds, uri?: vscode.Uri, selection: Selection = {}): Promise<boolean> {
  const reason = confirmationReason(toSend, estimate, thresholds);
  if (reason === undefined) return true;
  const detail = [
    `${toSend} request${toSend === 1 ? '' : 's'} will be sent.`,
    estimate.usd === undefined ? 'The cost is unknown: no price is known for these models.' : `Estimated cost: ${formatUsd(estimate.usd)} (at most ${estimate.completionTokens.toLocaleString('en-US')} completion tokens).`,
    estimate.unknownModels.length ? `No price known for: ${estimate.unknownModels.join(', ')}.` : '',
    uri && estimate.batchUsd !== undefined ? `As a batch job (answers within 24 hours): ${formatUsd(estimate.batchUsd)}.` : '',
    'The limits are the llmbatch.confirmAbove.requests and llmbatch.confirmAbove.usd settings.',
  ]
    .filter(Boolean)
    .join('\n');
  const send = 'Send';
  const asBatch = 'Submit as Batch Job';
  const answer = await vscode.window.showWarningMessage(`Run ${fileName}: ${reason}?`, { modal: true, detail }, send, ...(uri ? [asBatch] : []));
  if (answer === asBatch && uri) void vscode.commands.executeCommand('llmbatch.submitBatchJob', uri, submitInsteadOfRun(selection));
  return answer === send;
}

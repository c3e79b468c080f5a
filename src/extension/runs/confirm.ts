/** The modal question before a large or costly run. */
import * as vscode from 'vscode';
import type { CostEstimate } from '../../core/pricing';
import { formatUsd } from '../../core/pricing';
import type { ConfirmThresholds } from './runText';
import { confirmationReason } from './runText';

/** Resolves true when the run may go ahead: below the thresholds, or the user said so. */
export async function confirmRun(fileName: string, toSend: number, estimate: CostEstimate, thresholds: ConfirmThresholds): Promise<boolean> {
  const reason = confirmationReason(toSend, estimate, thresholds);
  if (reason === undefined) return true;
  const detail = [
    `${toSend} request${toSend === 1 ? '' : 's'} will be sent.`,
    estimate.usd === undefined ? 'The cost is unknown: no price is known for these models.' : `Estimated cost: ${formatUsd(estimate.usd)} (at most ${estimate.completionTokens.toLocaleString('en-US')} completion tokens).`,
    estimate.unknownModels.length ? `No price known for: ${estimate.unknownModels.join(', ')}.` : '',
    'The limits are the llmbatch.confirmAbove.requests and llmbatch.confirmAbove.usd settings.',
  ]
    .filter(Boolean)
    .join('\n');
  const send = 'Send';
  const answer = await vscode.window.showWarningMessage(`Run ${fileName}: ${reason}?`, { modal: true, detail }, send);
  return answer === send;
}

/** `llmbatch run --dry-run`: what would be sent, and roughly what it would cost. */
import type { BatchItem } from '../core/models';
import type { ResolvedEndpoint } from '../core/endpoints/profiles';
import { describeEndpoint } from '../core/endpoints/providerSetup';
import { estimateCost, formatUsd } from '../core/pricing';
import { formatCount } from './progressBar';
import { printable } from '../core/printable';

export function printDryRun(items: readonly BatchItem[], endpoints: readonly ResolvedEndpoint[], out: NodeJS.WritableStream): void {
  const lines: string[] = [];
  for (const item of items) {
    lines.push(`${item.id}\t${item.request.provider}\t${item.request.model ?? '(no model)'}`);
  }
  const estimate = estimateCost(items);
  lines.push('');
  lines.push(`${items.length} request${items.length === 1 ? '' : 's'} to ${endpoints.map(describeEndpoint).join(', ')} — nothing was sent.`);
  let tokens = `Estimated tokens: ~${formatCount(estimate.promptTokens)} prompt, ≤ ${formatCount(estimate.completionTokens)} completion.`;
  if (estimate.usd !== undefined) {
    const partial = estimate.pricedRequests < estimate.requests ? ` for the ${estimate.pricedRequests} priced requests` : '';
    tokens += ` Cost at most ${formatUsd(estimate.usd)}${partial} (${formatUsd(estimate.batchUsd ?? 0)} through the Batch API).`;
  }
  lines.push(tokens);
  if (estimate.unknownModels.length > 0) lines.push(`No price known for: ${estimate.unknownModels.join(', ')}.`);
  // Ids and models come from the file (and its data rows): each line is made printable, written at once.
  out.write(`${lines.map(printable).join('\n')}\n`);
}

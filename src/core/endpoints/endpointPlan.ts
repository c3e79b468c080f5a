/**
 * Works out, before anything is sent, which endpoint every item of a batch goes
 * to, and which items cannot be sent at all (unknown profile, a keyed profile
 * redirected to another host, …) with the source range to blame.
 */
import type { BatchItem, SourceRange } from '../models';
import type { Diagnostic } from '../diagnostics';
import type { EndpointProfiles, ResolvedEndpoint } from './profiles';
import { resolveEndpoint } from './profiles';

/** A value a file set, with where it was written. */
export interface LocatedValue {
  readonly value: string;
  readonly range?: SourceRange;
}

export interface EndpointPlanOptions {
  readonly profiles: EndpointProfiles;
  /** The `@api_base` that applies to `item`, if the file set one. */
  readonly apiBaseOf?: (item: BatchItem) => LocatedValue | undefined;
  /** Where the item's `@provider` was written, to point errors about the profile there. */
  readonly providerRangeOf?: (item: BatchItem) => SourceRange | undefined;
}

export interface EndpointGroup {
  readonly endpoint: ResolvedEndpoint;
  readonly items: BatchItem[];
}

export interface EndpointPlan {
  /** One group per distinct endpoint, in order of first use. */
  readonly groups: EndpointGroup[];
  /** The endpoint of each sendable item. */
  readonly endpointOf: Map<BatchItem, ResolvedEndpoint>;
  /** One error per distinct problem (not per item), ranged at the setting responsible. */
  readonly problems: Diagnostic[];
  /** Items that cannot be sent. */
  readonly refused: BatchItem[];
}

/** Resolves every item's endpoint; a batch with any problem must not be sent at all. */
export function planEndpoints(items: Iterable<BatchItem>, options: EndpointPlanOptions): EndpointPlan {
  const groups = new Map<string, EndpointGroup>();
  const endpointOf = new Map<BatchItem, ResolvedEndpoint>();
  const problems = new Map<string, Diagnostic>();
  const refused: BatchItem[] = [];
  const resolutions = new Map<string, ReturnType<typeof resolveEndpoint>>();

  for (const item of items) {
    const apiBase = options.apiBaseOf?.(item);
    const profile = item.request.provider;
    const cacheKey = `${profile}\n${apiBase?.value ?? ''}`;
    let resolution = resolutions.get(cacheKey);
    if (!resolution) {
      resolution = resolveEndpoint(profile, apiBase?.value, options.profiles);
      resolutions.set(cacheKey, resolution);
    }
    if (!resolution.ok) {
      refused.push(item);
      const blameApiBase = apiBase !== undefined && (resolution.code === 'key-to-other-host' || resolution.code === 'invalid-base-url');
      const range = (blameApiBase ? apiBase.range : options.providerRangeOf?.(item)) ?? item.source ?? wholeFirstLine;
      const key = `${resolution.code}\n${resolution.message}\n${rangeKey(range)}`;
      if (!problems.has(key)) problems.set(key, { severity: 'error', message: resolution.message, range, code: resolution.code });
      continue;
    }
    const endpoint = resolution.endpoint;
    endpointOf.set(item, endpoint);
    const groupKey = `${endpoint.profile}\n${endpoint.apiBase}\n${endpoint.sendKey}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = { endpoint, items: [] };
      groups.set(groupKey, group);
    }
    group.items.push(item);
  }
  return { groups: [...groups.values()], endpointOf, problems: [...problems.values()], refused };
}

const wholeFirstLine: SourceRange = { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 };

function rangeKey(range: SourceRange): string {
  return `${range.file ?? ''}:${range.startLine}:${range.startColumn}:${range.endLine}:${range.endColumn}`;
}

/**
 * Which Batch API a recorded job may be followed through, under the same key
 * rule as live runs: a profile's key goes to its own base URL (or a URL its
 * settings list) and nowhere else.
 */
import type { EndpointProfiles, ResolvedEndpoint } from '../endpoints/profiles';
import { keyOptions, resolveEndpoint } from '../endpoints/profiles';
import type { BatchApi } from './batchApiClient';
import { BatchApiClient } from './batchApiClient';
import type { JobEndpoint } from './jobState';

export interface BatchApiSource {
  readonly profiles: EndpointProfiles;
  /** The key for an endpoint that may receive one; see `findProfileKey`. */
  readonly findKey: (endpoint: ResolvedEndpoint) => Promise<string | undefined>;
  readonly fetch?: typeof globalThis.fetch;
  /** Added to a refusal, e.g. how to configure the base URL in this front end. */
  readonly hint?: (endpoint: JobEndpoint) => string;
}

/** The Batch API client for `endpoint`, or why it may not be contacted with the current settings. */
export async function batchApiFor(endpoint: JobEndpoint, source: BatchApiSource): Promise<BatchApi | { refused: string }> {
  const resolved = resolveEndpoint(endpoint.profile, endpoint.apiBase, source.profiles);
  const hint = source.hint ? ` ${source.hint(endpoint)}` : '';
  if (!resolved.ok) {
    const configured = source.profiles[endpoint.profile]?.baseUrl;
    return { refused: `these jobs were submitted to ${endpoint.apiBase}${configured ? `, not to the configured ${configured}` : ''}, so the API key of "${endpoint.profile}" is not sent there.${hint}` };
  }
  const target = resolved.endpoint;
  if (target.kind !== 'openai') return { refused: `provider "${endpoint.profile}" has no Batch API` };
  const key = target.sendKey ? await source.findKey(target) : undefined;
  if (target.requiresKey && target.sendKey && !key) return { refused: `no API key for provider "${endpoint.profile}"${target.apiKeyEnv ? ` (set ${target.apiKeyEnv})` : ''}` };
  return new BatchApiClient({
    apiBase: target.apiBase,
    ...keyOptions(target, key),
    ...(target.organization !== undefined && target.sendKey && { organization: target.organization }),
    ...(source.fetch && { fetch: source.fetch }),
  });
}

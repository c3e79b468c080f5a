/**
 * Everything decided before a batch sends anything: which endpoint each item
 * goes to and with which key. Any problem refuses the whole batch, so a file
 * that is partly wrong never sends half of it.
 */
import type { BatchItem, LLMRequest, SourceRange } from '../models';
import type { Diagnostic } from '../diagnostics';
import type { Provider } from '../providers/provider';
import { OpenAIProvider } from '../providers/openaiProvider';
import { EchoProvider } from '../providers/echoProvider';
import type { EndpointProfiles, ResolvedEndpoint } from './profiles';
import { keyOptions } from './profiles';
import type { LocatedValue } from './endpointPlan';
import { planEndpoints } from './endpointPlan';

export interface ProviderSetupOptions {
  readonly profiles: EndpointProfiles;
  readonly apiBaseOf?: (item: BatchItem) => LocatedValue | undefined;
  readonly providerRangeOf?: (item: BatchItem) => SourceRange | undefined;
  /** The key for an endpoint that may receive one (stored secret, environment…); see `findProfileKey`. */
  readonly findKey: (endpoint: ResolvedEndpoint) => Promise<string | undefined>;
  readonly fetch?: typeof globalThis.fetch;
}

export type ProviderSetup =
  | {
      readonly ok: true;
      /** The provider of each planned item, by its request object. */
      readonly providerFor: (request: LLMRequest) => Provider;
      readonly endpoints: readonly ResolvedEndpoint[];
    }
  /** Settings that send a request where it may not go, with their places in the file. */
  | { readonly ok: false; readonly reason: 'endpoint'; readonly problems: readonly Diagnostic[] }
  /** A profile that needs a key has none. */
  | { readonly ok: false; readonly reason: 'missing-key'; readonly endpoint: ResolvedEndpoint };

/** The providers of a run that may start. */
export type ReadyProviders = Extract<ProviderSetup, { ok: true }>;

/** Resolves endpoints and keys and builds one provider per endpoint. */
export async function setUpProviders(items: Iterable<BatchItem>, options: ProviderSetupOptions): Promise<ProviderSetup> {
  const plan = planEndpoints(items, { profiles: options.profiles, apiBaseOf: options.apiBaseOf, providerRangeOf: options.providerRangeOf });
  if (plan.problems.length > 0) return { ok: false, reason: 'endpoint', problems: plan.problems };
  const providerOf = new Map<ResolvedEndpoint, Provider>();
  for (const { endpoint } of plan.groups) {
    const key = endpoint.sendKey ? await options.findKey(endpoint) : undefined;
    if (endpoint.requiresKey && endpoint.sendKey && !key) return { ok: false, reason: 'missing-key', endpoint };
    providerOf.set(endpoint, createProvider(endpoint, key, options.fetch));
  }
  const endpoints = plan.groups.map((group) => group.endpoint);
  if (new Set(endpoints.map((endpoint) => endpoint.profile)).size === endpoints.length) {
    // Each profile went to one endpoint (no item set its own base URL): no table of every request is needed.
    const byProfile = new Map([...providerOf].map(([endpoint, provider]) => [endpoint.profile, provider]));
    return {
      ok: true,
      endpoints,
      providerFor: (request) => {
        const provider = byProfile.get(request.provider);
        if (!provider) throw new Error('request without a planned endpoint');
        return provider;
      },
    };
  }
  const byRequest = new WeakMap<LLMRequest, Provider>();
  for (const [item, endpoint] of plan.endpointOf) byRequest.set(item.request, providerOf.get(endpoint)!);
  return {
    ok: true,
    endpoints,
    providerFor: (request) => {
      const provider = byRequest.get(request);
      // Only items planned above are ever passed to the engine.
      if (!provider) throw new Error('request without a planned endpoint');
      return provider;
    },
  };
}

export function createProvider(endpoint: ResolvedEndpoint, key: string | undefined, fetch?: typeof globalThis.fetch): Provider {
  if (endpoint.kind === 'echo') return new EchoProvider({ id: endpoint.profile });
  return new OpenAIProvider({
    id: endpoint.profile,
    apiBase: endpoint.apiBase,
    ...(endpoint.organization !== undefined && endpoint.sendKey && { organization: endpoint.organization }),
    ...keyOptions(endpoint, key),
    ...(fetch && { fetch }),
  });
}

/** `openai (https://api.openai.com/v1)` for messages and the dry run. */
export function describeEndpoint(endpoint: ResolvedEndpoint): string {
  return endpoint.kind === 'echo' ? `${endpoint.profile} (offline)` : `${endpoint.profile} (${endpoint.apiBase})`;
}

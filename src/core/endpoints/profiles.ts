/**
 * Endpoint profiles: named OpenAI-compatible servers (OpenAI, Ollama, LM Studio,
 * vLLM, OpenRouter, Azure OpenAI, the offline echo provider, and whatever the
 * user adds) and the rule that decides where a request — and a key — may go.
 *
 * The key rule: an API key is only ever sent to its own profile's base URL, or
 * to a URL the user listed for that profile (`allowedBaseUrls`). A file may
 * point a keyless profile anywhere (nothing secret travels), but pointing a
 * keyed profile at another host is refused before anything is sent, because a
 * shared or downloaded `.llmbatch` file is untrusted.
 */

/** How a profile's key travels: `Authorization: Bearer …` (OpenAI and most servers) or Azure's `api-key` header. */
export type KeyHeader = 'bearer' | 'api-key';

/** A profile as written in settings (`llmbatch.profiles`) or built in. */
export interface EndpointProfile {
  /** The server's base URL, e.g. `https://api.openai.com/v1`; requests go to `{baseUrl}/chat/completions`. */
  readonly baseUrl?: string;
  /** Environment variable holding the key when none is stored for this profile. */
  readonly apiKeyEnv?: string;
  /** Extra headers sent with every request (never a place for keys: settings are not secret). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string;
  /** When true a run refuses to start without a key. Defaults to true when `apiKeyEnv` is set, else false. */
  readonly requiresKey?: boolean;
  /** Further base URLs this profile's key may be sent to when a file sets `@api_base`. */
  readonly allowedBaseUrls?: readonly string[];
  readonly keyHeader?: KeyHeader;
  /** `echo` answers offline without any server; everything else speaks the OpenAI chat completions API. */
  readonly kind?: 'openai' | 'echo';
  /** Shown in pickers. */
  readonly label?: string;
  /** Requests per minute to stay under (the account's limit for this endpoint); absent: the limits the server announces. */
  readonly rpm?: number;
  /** Tokens per minute (prompt + completion) to stay under; absent: the limits the server announces. */
  readonly tpm?: number;
}

export type EndpointProfiles = Readonly<Record<string, EndpointProfile>>;

/** Where the requests of one profile go, after settings and the file's `@api_base` were applied. */
export interface ResolvedEndpoint {
  readonly profile: string;
  readonly kind: 'openai' | 'echo';
  /** Normalised (no trailing slash); `echo:` for the echo provider. */
  readonly apiBase: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly organization?: string;
  readonly keyHeader: KeyHeader;
  readonly apiKeyEnv?: string;
  readonly requiresKey: boolean;
  /**
   * Whether this profile's key may be attached. False when a file redirected a
   * keyless profile to a URL its settings don't list: the requests go there
   * without any key.
   */
  readonly sendKey: boolean;
  /** The profile's rate budgets, when it sets them. */
  readonly rpm?: number;
  readonly tpm?: number;
}

export type EndpointResolution =
  | { readonly ok: true; readonly endpoint: ResolvedEndpoint }
  | { readonly ok: false; readonly code: EndpointErrorCode; readonly message: string };

export type EndpointErrorCode = 'unknown-profile' | 'missing-base-url' | 'invalid-base-url' | 'key-to-other-host';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** The profiles every user has; `llmbatch.profiles` entries add to and override them field by field. */
export const builtinProfiles: EndpointProfiles = {
  openai: { label: 'OpenAI', baseUrl: OPENAI_BASE_URL, apiKeyEnv: 'OPENAI_API_KEY', requiresKey: true },
  ollama: { label: 'Ollama', baseUrl: 'http://localhost:11434/v1', requiresKey: false },
  lmstudio: { label: 'LM Studio', baseUrl: 'http://localhost:1234/v1', requiresKey: false },
  vllm: { label: 'vLLM', baseUrl: 'http://localhost:8000/v1', requiresKey: false },
  openrouter: { label: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnv: 'OPENROUTER_API_KEY', requiresKey: true },
  // Azure's base URL names the user's own resource, e.g. https://NAME.openai.azure.com/openai/v1
  azure: { label: 'Azure OpenAI', apiKeyEnv: 'AZURE_OPENAI_API_KEY', requiresKey: true, keyHeader: 'api-key' },
  echo: { label: 'Echo (offline)', kind: 'echo', requiresKey: false },
};

/** Built-in profiles with the user's profiles laid over them (a user field replaces the built-in one). */
export function mergeProfiles(user: EndpointProfiles | undefined, base: EndpointProfiles = builtinProfiles): EndpointProfiles {
  const merged: Record<string, EndpointProfile> = { ...base };
  for (const [name, profile] of Object.entries(user ?? {})) {
    if (!isPlainObject(profile)) continue;
    merged[name] = { ...merged[name], ...profile };
  }
  return merged;
}

/**
 * Parses and normalises a base URL: http(s) only, no credentials, query or
 * fragment, lower-case host, default port dropped, no trailing slash.
 * Returns an error message when the URL is unusable.
 */
export function normalizeBaseUrl(raw: string): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: `"${raw}" is not a URL (expected something like https://api.openai.com/v1)` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, message: `"${raw}" must start with http:// or https://` };
  }
  if (url.username || url.password) return { ok: false, message: `"${raw}" must not contain a user name or password` };
  if (url.search || url.hash) return { ok: false, message: `"${raw}" must not contain a query (?…) or fragment (#…)` };
  const path = url.pathname.replace(/\/+$/, '');
  return { ok: true, url: `${url.protocol}//${url.host}${path}` };
}

/** True when both strings name the same base URL after normalisation. */
export function sameBaseUrl(a: string, b: string): boolean {
  const x = normalizeBaseUrl(a);
  const y = normalizeBaseUrl(b);
  return x.ok && y.ok && x.url === y.url;
}

/** Whether a key may exist for this profile, and so whether redirecting it elsewhere must be refused. */
export function isKeyedProfile(profile: EndpointProfile): boolean {
  return profile.requiresKey ?? profile.apiKeyEnv !== undefined;
}

/**
 * Decides where the requests of `profileName` go. `fileApiBase` is the
 * `@api_base` a file set, if any. A keyed profile accepts it only when it is
 * the profile's own base URL or listed in `allowedBaseUrls`; a keyless one
 * accepts any http(s) URL but never attaches a key there.
 */
export function resolveEndpoint(profileName: string, fileApiBase: string | undefined, profiles: EndpointProfiles): EndpointResolution {
  const profile = Object.hasOwn(profiles, profileName) ? profiles[profileName] : undefined;
  if (!profile) {
    const known = Object.keys(profiles).sort().join(', ');
    return { ok: false, code: 'unknown-profile', message: `unknown provider "${profileName}" (known: ${known}; add others under the llmbatch.profiles setting)` };
  }
  const kind = profile.kind ?? 'openai';
  const requiresKey = isKeyedProfile(profile);
  const common = {
    profile: profileName,
    kind,
    headers: { ...profile.headers } as Readonly<Record<string, string>>,
    keyHeader: profile.keyHeader ?? 'bearer',
    requiresKey,
    ...(profile.organization !== undefined && { organization: profile.organization }),
    ...(profile.apiKeyEnv !== undefined && { apiKeyEnv: profile.apiKeyEnv }),
    ...(isBudget(profile.rpm) && { rpm: profile.rpm }),
    ...(isBudget(profile.tpm) && { tpm: profile.tpm }),
  } as const;

  if (kind === 'echo') {
    return { ok: true, endpoint: { ...common, apiBase: 'echo:', sendKey: false } };
  }

  const own = profile.baseUrl === undefined || profile.baseUrl.trim() === '' ? undefined : normalizeBaseUrl(profile.baseUrl);
  if (own && !own.ok) {
    return { ok: false, code: 'invalid-base-url', message: `the baseUrl of profile "${profileName}" in settings is unusable: ${own.message}` };
  }

  if (fileApiBase === undefined) {
    if (!own) {
      return { ok: false, code: 'missing-base-url', message: `profile "${profileName}" has no base URL: set llmbatch.profiles.${profileName}.baseUrl in settings` };
    }
    return { ok: true, endpoint: { ...common, apiBase: own.url, sendKey: true } };
  }

  const wanted = normalizeBaseUrl(fileApiBase);
  if (!wanted.ok) return { ok: false, code: 'invalid-base-url', message: `@api_base ${wanted.message}` };

  const allowed = [own?.url, ...(profile.allowedBaseUrls ?? []).map((u) => normalizeBaseUrl(u)).flatMap((r) => (r.ok ? [r.url] : []))];
  if (allowed.includes(wanted.url)) return { ok: true, endpoint: { ...common, apiBase: wanted.url, sendKey: true } };

  if (requiresKey) {
    return {
      ok: false,
      code: 'key-to-other-host',
      message:
        `@api_base ${wanted.url} is not the base URL configured for provider "${profileName}", so its API key will not be sent there. ` +
        `To allow it, add the URL to llmbatch.profiles.${profileName}.allowedBaseUrls in settings, or define a profile for that server.`,
    };
  }
  // Profile headers may carry credentials of their own, so they stay behind too.
  return { ok: true, endpoint: { ...common, headers: {}, apiBase: wanted.url, sendKey: false } };
}

/** Looks a profile's key up: stored secret first, then the profile's environment variable. */
export async function findProfileKey(
  endpoint: Pick<ResolvedEndpoint, 'profile' | 'apiKeyEnv' | 'sendKey'>,
  sources: { readonly secret?: (profile: string) => Promise<string | undefined>; readonly env?: Readonly<Record<string, string | undefined>> },
): Promise<string | undefined> {
  if (!endpoint.sendKey) return undefined;
  const stored = await sources.secret?.(endpoint.profile);
  if (stored) return stored;
  const fromEnv = endpoint.apiKeyEnv === undefined ? undefined : sources.env?.[endpoint.apiKeyEnv];
  return fromEnv || undefined;
}

/**
 * How `key` travels to this endpoint, as options for the OpenAI-compatible
 * provider: `apiKey` becomes a Bearer header; Azure's key goes in `api-key`.
 * Nothing is attached when the endpoint may not receive the key.
 */
export function keyOptions(endpoint: Pick<ResolvedEndpoint, 'keyHeader' | 'sendKey' | 'headers'>, key: string | undefined): { apiKey?: string; headers: Record<string, string> } {
  const headers = { ...endpoint.headers };
  if (!key || !endpoint.sendKey) return { headers };
  if (endpoint.keyHeader === 'api-key') return { headers: { ...headers, 'api-key': key } };
  return { apiKey: key, headers };
}

/**
 * The profiles the command-line tool uses: the built-in ones, with `openai`
 * pointed at `--api-base`, else `OPENAI_BASE_URL`, else OpenAI itself — so its
 * key goes to that URL and nowhere else. When `env` has no `OPENAI_API_KEY`,
 * a base URL other than OpenAI's needs no key: a local OpenAI-compatible server
 * (Ollama, vLLM, a mock) usually takes none; OpenAI itself always does.
 */
export function cliProfiles(options: { readonly apiBase?: string | undefined; readonly env?: Readonly<Record<string, string | undefined>> } = {}): EndpointProfiles {
  const baseUrl = options.apiBase || options.env?.OPENAI_BASE_URL || OPENAI_BASE_URL;
  const keyless = options.env !== undefined && !options.env.OPENAI_API_KEY && !sameBaseUrl(baseUrl, OPENAI_BASE_URL);
  return mergeProfiles({ openai: { baseUrl, ...(keyless && { requiresKey: false }) } });
}

/** Settings are hand-written JSON: a budget that is not a positive number is ignored rather than trusted. */
function isBudget(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `llmbatch.*` settings, read once per run into plain values with units the
 * engine uses (milliseconds) and out-of-range values pulled back into range.
 */
import * as vscode from 'vscode';
import type { EndpointProfiles } from '../../core/endpoints/profiles';
import { mergeProfiles } from '../../core/endpoints/profiles';

export interface RunSettings {
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
  readonly retryAttempts: number;
  readonly retryDelayMs: number;
  readonly cacheEnabled: boolean;
  /** 0 keeps answers until the cache is cleared. */
  readonly cacheTtlMs: number;
  readonly confirmAboveRequests: number;
  readonly confirmAboveUsd: number;
  /** Profile used by requests that name none (`@provider`), and by OpenAI Batch .jsonl files. */
  readonly defaultProvider: string;
  /** Built-in profiles with the user's `llmbatch.profiles` laid over them. */
  readonly profiles: EndpointProfiles;
}

export const settingDefaults = {
  concurrency: 20,
  timeout: 120,
  retryAttempts: 3,
  retryDelay: 1,
  cacheEnabled: true,
  cacheTtl: 0,
  confirmAboveRequests: 200,
  confirmAboveUsd: 1,
  defaultProvider: 'openai',
} as const;

/** Reads the settings that apply to `scope` (a .llmbatch file), falling back to the defaults above. */
export function readRunSettings(scope?: vscode.Uri): RunSettings {
  const config = vscode.workspace.getConfiguration('llmbatch', scope);
  const number = (key: string, fallback: number, min: number, max: number) => clamp(config.get<unknown>(key), fallback, min, max);
  return {
    concurrency: Math.round(number('concurrency', settingDefaults.concurrency, 1, 1000)),
    timeoutMs: number('timeout', settingDefaults.timeout, 1, 3600) * 1000,
    retryAttempts: Math.round(number('retryAttempts', settingDefaults.retryAttempts, 0, 20)),
    retryDelayMs: number('retryDelay', settingDefaults.retryDelay, 0, 600) * 1000,
    cacheEnabled: config.get<unknown>('cache.enabled') !== false,
    cacheTtlMs: number('cache.ttl', settingDefaults.cacheTtl, 0, Number.MAX_SAFE_INTEGER / 1000) * 1000,
    confirmAboveRequests: Math.round(number('confirmAbove.requests', settingDefaults.confirmAboveRequests, 0, Number.MAX_SAFE_INTEGER)),
    confirmAboveUsd: number('confirmAbove.usd', settingDefaults.confirmAboveUsd, 0, Number.MAX_SAFE_INTEGER),
    defaultProvider: stringSetting(config.get<unknown>('defaultProvider')) ?? settingDefaults.defaultProvider,
    profiles: readProfiles(),
  };
}

/**
 * Profiles come from user settings only (the setting is application-scoped):
 * a workspace's own `.vscode/settings.json` must not be able to move a key's
 * destination.
 */
export function readProfiles(): EndpointProfiles {
  const user = vscode.workspace.getConfiguration('llmbatch').inspect<unknown>('profiles')?.globalValue;
  return mergeProfiles(sanitizeProfiles(user));
}

function sanitizeProfiles(value: unknown): EndpointProfiles {
  if (!isRecord(value)) return {};
  const result: Record<string, Record<string, unknown>> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!isRecord(raw) || name === '__proto__') continue;
    const profile: Record<string, unknown> = {};
    for (const key of ['baseUrl', 'apiKeyEnv', 'organization', 'label'] as const) {
      if (typeof raw[key] === 'string') profile[key] = raw[key];
    }
    if (typeof raw.requiresKey === 'boolean') profile.requiresKey = raw.requiresKey;
    if (raw.keyHeader === 'bearer' || raw.keyHeader === 'api-key') profile.keyHeader = raw.keyHeader;
    if (raw.kind === 'openai' || raw.kind === 'echo') profile.kind = raw.kind;
    if (Array.isArray(raw.allowedBaseUrls)) profile.allowedBaseUrls = raw.allowedBaseUrls.filter((u): u is string => typeof u === 'string');
    if (isRecord(raw.headers)) {
      profile.headers = Object.fromEntries(Object.entries(raw.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    }
    result[name] = profile;
  }
  return result;
}

function clamp(value: unknown, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

function stringSetting(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

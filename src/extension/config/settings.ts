/**
 * The `llmbatch.*` settings, read once per run into plain values with units the
 * engine uses (milliseconds) and out-of-range values pulled back into range.
 */
import * as vscode from 'vscode';
import type { EndpointProfiles } from '../../core/endpoints/profiles';
import { mergeProfiles } from '../../core/endpoints/profiles';
import type { ProfileProblem } from './profileSettings';
import { parseProfileSettings } from './profileSettings';

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
  /** Unusable values in `llmbatch.profiles` (a mistyped `rpm`…), each naming its setting; a run refuses to start over them. */
  readonly profileProblems: readonly ProfileProblem[];
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
  const profiles = readProfileSettings();
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
    profiles: profiles.profiles,
    profileProblems: profiles.problems,
  };
}

/**
 * Profiles come from user settings only (the setting is application-scoped):
 * a workspace's own `.vscode/settings.json` must not be able to move a key's
 * destination.
 */
export function readProfiles(): EndpointProfiles {
  return readProfileSettings().profiles;
}

/** {@link readProfiles}, with what was wrong in the setting. */
export function readProfileSettings(): { readonly profiles: EndpointProfiles; readonly problems: readonly ProfileProblem[] } {
  const user = vscode.workspace.getConfiguration('llmbatch').inspect<unknown>('profiles')?.globalValue;
  const parsed = parseProfileSettings(user);
  return { profiles: mergeProfiles(parsed.profiles), problems: parsed.problems };
}

function clamp(value: unknown, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

function stringSetting(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

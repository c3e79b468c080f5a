/**
 * The `llmbatch.profiles` setting as written by hand in settings.json, turned
 * into endpoint profiles. Fields of the wrong type are dropped (the settings
 * editor already underlines them), except the rate budgets: a budget the user
 * meant to set but mistyped would silently send at full speed, so it is
 * reported by its setting name instead.
 */
import type { EndpointProfile, EndpointProfiles } from '../../core/endpoints/profiles';

/** An unusable value in the setting. */
export interface ProfileProblem {
  /** The profile it belongs to; absent when the whole setting is unusable. */
  readonly profile?: string;
  /** Names the setting, e.g. `llmbatch.profiles.work.rpm must be … (got "fast")`. */
  readonly message: string;
}

export interface ProfileSettings {
  /** The user's profiles, without the built-in ones. */
  readonly profiles: EndpointProfiles;
  readonly problems: readonly ProfileProblem[];
}

const budgetUnits = { rpm: 'requests', tpm: 'tokens' } as const;

/** Reads the raw value of `llmbatch.profiles` (user settings). */
export function parseProfileSettings(value: unknown): ProfileSettings {
  const problems: ProfileProblem[] = [];
  if (value === undefined || value === null) return { profiles: {}, problems };
  if (!isRecord(value)) return { profiles: {}, problems: [{ message: 'llmbatch.profiles must be an object of profiles by name' }] };
  const profiles: Record<string, EndpointProfile> = {};
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
    for (const key of ['rpm', 'tpm'] as const) {
      const budget = raw[key];
      // null is how a budget is cleared in settings.json without deleting the line.
      if (budget === undefined || budget === null) continue;
      if (typeof budget === 'number' && Number.isFinite(budget) && budget > 0) profile[key] = budget;
      else problems.push({ profile: name, message: `llmbatch.profiles.${name}.${key} must be a number of ${budgetUnits[key]} per minute above 0 (got ${describe(budget)})` });
    }
    profiles[name] = profile as EndpointProfile;
  }
  return { profiles, problems };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The problems that concern a run sending through `profilesUsed`. */
export function problemsFor(problems: readonly ProfileProblem[], profilesUsed: Iterable<string>): ProfileProblem[] {
  const used = new Set(profilesUsed);
  return problems.filter((problem) => problem.profile === undefined || used.has(problem.profile));
}

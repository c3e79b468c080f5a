/**
 * API keys in VS Code's SecretStorage (the OS keychain where there is one),
 * one per endpoint profile. Keys never go into settings, the cache, results,
 * logs or the results panel; the only reader is the run controller, which
 * hands a key to the provider of that same profile.
 */
import * as vscode from 'vscode';
import type { EndpointProfiles } from '../../core/endpoints/profiles';
import { isKeyedProfile } from '../../core/endpoints/profiles';

const secretName = (profile: string) => `llmbatch.apiKey.${profile}`;

export class KeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(profile: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(secretName(profile)));
  }

  async has(profile: string): Promise<boolean> {
    return Boolean(await this.get(profile));
  }

  /** Stores `key` for `profile`; an empty key removes the stored one. */
  async set(profile: string, key: string): Promise<void> {
    const trimmed = key.trim();
    if (trimmed === '') return this.delete(profile);
    await this.secrets.store(secretName(profile), trimmed);
  }

  async delete(profile: string): Promise<void> {
    await this.secrets.delete(secretName(profile));
  }
}

/**
 * Set API Key…: pick a profile (keyed profiles first), then type the key into a
 * password box. Returns the profile whose key changed, if any.
 */
export async function promptForApiKey(store: KeyStore, profiles: EndpointProfiles, preselect?: string): Promise<string | undefined> {
  let profile = preselect;
  if (profile === undefined) {
    const items = Object.entries(profiles)
      .filter(([, p]) => p.kind !== 'echo')
      .sort(([a, pa], [b, pb]) => Number(isKeyedProfile(pb)) - Number(isKeyedProfile(pa)) || a.localeCompare(b))
      .map(([name, p]) => ({
        label: name,
        description: [p.label !== name ? p.label : undefined, p.baseUrl].filter(Boolean).join(' · '),
        detail: isKeyedProfile(p) ? undefined : 'usually needs no key',
      }));
    const picked = await vscode.window.showQuickPick(items, { title: 'LLM Batch: Set API Key', placeHolder: 'Which endpoint profile is the key for?' });
    profile = picked?.label;
  }
  if (profile === undefined) return undefined;
  const target = profiles[profile]?.baseUrl;
  const key = await vscode.window.showInputBox({
    title: `API key for ${profile}`,
    prompt: `Stored in VS Code's secret storage and sent only to ${target ?? `the base URL configured for ${profile}`}. Leave empty to remove the stored key.`,
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return undefined;
  await store.set(profile, key);
  void vscode.window.showInformationMessage(key.trim() ? `LLM Batch: API key for ${profile} stored.` : `LLM Batch: API key for ${profile} removed.`);
  return profile;
}

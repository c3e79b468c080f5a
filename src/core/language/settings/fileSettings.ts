/**
 * Settings that belong to the whole file rather than to its requests: the
 * rate budgets `@rpm` and `@tpm`. They are read from the header only (a
 * budget is shared by every request the file sends, so a block cannot have
 * its own) and never become request parameters.
 */
import type { DiagnosticReporter } from '../diagnosticSink';
import type { Section, Setting } from '../syntax/document';
import type { FileRateLimits } from '../expand/expansionResult';
import { checkSettingValue } from './parameters';

export const fileSettingNames = ['rpm', 'tpm'] as const;
export type FileSettingName = (typeof fileSettingNames)[number];

const fileSettingSet: ReadonlySet<string> = new Set<string>(fileSettingNames);

export function isFileSetting(key: string): key is FileSettingName {
  return fileSettingSet.has(key);
}

const unit: Readonly<Record<FileSettingName, string>> = { rpm: 'requests', tpm: 'tokens' };

/** The message for a budget written in a block. */
export function headerOnlyMessage(key: FileSettingName): string {
  return `@${key} is a budget for the whole file (${unit[key]} per minute): set it in the header, above the first ###`;
}

/** Reads the header's `@rpm` / `@tpm`, reporting unusable values; undefined when neither is set. */
export function readFileRateLimits(header: Section, ignored: ReadonlySet<Setting>, sink: DiagnosticReporter): FileRateLimits | undefined {
  const limits: { rpm?: number; tpm?: number } = {};
  for (const setting of header.settings) {
    const key = setting.key;
    if (!isFileSetting(key) || ignored.has(setting)) continue;
    const value = setting.value;
    // Syntax problems were reported when the line was read.
    if (value.kind === 'invalid') continue;
    if (value.kind !== 'value' || value.template) {
      const why = value.kind === 'sweep' ? 'a budget cannot be a list' : 'placeholders are not filled in here';
      sink.add('error', `@${key} takes one number of ${unit[key]} per minute: ${why}`, setting.valueRange, 'invalid-value');
      continue;
    }
    const result = checkSettingValue(key, value.value);
    if (!result.ok) {
      sink.add('error', result.message, setting.valueRange, 'invalid-value');
      continue;
    }
    limits[key] = result.value as number;
  }
  return limits.rpm === undefined && limits.tpm === undefined ? undefined : limits;
}

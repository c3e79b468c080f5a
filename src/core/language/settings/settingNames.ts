/**
 * Names of settings that are neither parameters nor file settings: a misspelt
 * parameter unless something uses it as a variable, and a variable nothing
 * uses is worth a warning.
 */
import type { DiagnosticReporter } from '../diagnosticSink';
import type { Section, Setting } from '../syntax/document';
import { isKnownSetting, knownSettingNames, settingKind } from './parameters';
import { closestName } from './suggestions';

/** Names used as `{{name}}` anywhere in a section, added to `into`. */
export function namesUsedIn(section: Section, into: Set<string> = new Set()): Set<string> {
  for (const message of section.messages) for (const part of message.content.parts) if (typeof part !== 'string') into.add(part.name);
  for (const setting of section.settings) for (const placeholder of setting.placeholders) into.add(placeholder.name);
  return into;
}

/** True when `{{name}}` appears somewhere in the section; cheaper than collecting every name of a small block. */
function usesName(section: Section, name: string): boolean {
  for (const message of section.messages) {
    if (message.content.text !== undefined) continue;
    for (const part of message.content.parts) if (typeof part !== 'string' && part.name === name) return true;
  }
  for (const setting of section.settings) for (const placeholder of setting.placeholders) if (placeholder.name === name) return true;
  return false;
}

function checkName(setting: Setting, used: (name: string) => boolean, ignored: Set<Setting>, reporter: DiagnosticReporter): void {
  if (isKnownSetting(setting.key) || used(setting.key)) return;
  const suggestion = closestName(setting.key, knownSettingNames);
  if (suggestion !== undefined) {
    const what = settingKind(suggestion) === 'parameter' ? 'parameter' : 'setting';
    reporter.add('error', `unknown ${what} @${setting.key} — did you mean @${suggestion}?`, setting.keyRange, 'unknown-parameter');
    ignored.add(setting);
    return;
  }
  const sweep = setting.value.kind === 'sweep' ? `, yet its ${setting.value.elements.length} values each make a separate request` : '';
  reporter.add('warning', `variable @${setting.key} is never used: no {{${setting.key}}} refers to it${sweep}`, setting.keyRange, 'unused-variable');
}

/** Checks the names of a block's own settings; misspelt parameters are added to `ignored`. */
export function checkBlockSettingNames(block: Section, headerUses: ReadonlySet<string>, ignored: Set<Setting>, reporter: DiagnosticReporter): void {
  for (const setting of block.settings) checkName(setting, (name) => headerUses.has(name) || usesName(block, name), ignored, reporter);
}

/** Checks the names of the header's settings against what the whole file uses; misspelt parameters are added to `ignored`. */
export function checkHeaderSettingNames(header: Section, usedAnywhere: (name: string) => boolean, ignored: Set<Setting>, reporter: DiagnosticReporter): void {
  for (const setting of header.settings) checkName(setting, usedAnywhere, ignored, reporter);
}

/**
 * True when no header setting can turn out to be a misspelt parameter, whatever
 * the blocks use: then blocks can be expanded before the last one is read.
 */
export function headerNamesSettled(header: Section): boolean {
  return header.settings.every((setting) => isKnownSetting(setting.key) || closestName(setting.key, knownSettingNames) === undefined);
}

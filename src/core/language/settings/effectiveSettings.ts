/**
 * Which settings apply to a block — the header's, each replaced in place by the
 * block's own of the same key — and their hover views.
 */
import type { SourceRange } from '../../models';
import type { Section, Setting } from '../syntax/document';
import type { ResolvedSetting } from '../expand/expansionResult';
import { settingKind } from './parameters';
import type { SettingKind } from './parameters';

/**
 * Settings in effect, in first-appearance order: the header's, each replaced in
 * place by the block's own setting of that key, then the block's other settings.
 */
export interface EffectiveSettings {
  readonly settings: readonly Setting[];
  /** The block's own settings: an effective setting found here is written in the block. */
  readonly own: readonly Setting[];
}

export function originOf(effective: EffectiveSettings, setting: Setting): 'header' | 'block' {
  return effective.own.length > 0 && effective.own.includes(setting) ? 'block' : 'header';
}

// Up to this many settings, looking a key up by scanning beats building a map.
const scanLimit = 24;

function indexOfKey(settings: readonly Setting[], key: string, index: Map<string, number> | undefined): number {
  if (index) return index.get(key) ?? -1;
  for (let i = 0; i < settings.length; i++) if ((settings[i] as Setting).key === key) return i;
  return -1;
}

function addEffective(settings: Setting[], sections: readonly Setting[], ignored: ReadonlySet<Setting>): void {
  let index: Map<string, number> | undefined;
  if (settings.length + sections.length > scanLimit) index = new Map(settings.map((setting, at) => [setting.key, at]));
  for (const setting of sections) {
    if (ignored.size > 0 && ignored.has(setting)) continue;
    const at = indexOfKey(settings, setting.key, index);
    if (at >= 0) settings[at] = setting;
    else {
      index?.set(setting.key, settings.length);
      settings.push(setting);
    }
  }
}

/** The header's settings in effect; the same for every block, so worked out once. */
export function headerEffective(header: Section, ignored: ReadonlySet<Setting>): EffectiveSettings {
  const settings: Setting[] = [];
  addEffective(settings, header.settings, ignored);
  return { settings, own: [] };
}

/** Header settings, replaced key by key by the block's own (`own`), in first-appearance order. */
export function effectiveSettings(header: EffectiveSettings, own: readonly Setting[], ignored: ReadonlySet<Setting>): EffectiveSettings {
  if (own.length === 0) return header;
  const settings = header.settings.slice();
  addEffective(settings, own, ignored);
  return { settings, own };
}

/** The hover view of a setting; its ranges are the setting's, made when read. */
class SettingView implements ResolvedSetting {
  readonly value: unknown;
  readonly sweep: readonly unknown[] | undefined;
  readonly reference: string | undefined;

  constructor(
    readonly key: string,
    readonly kind: SettingKind,
    readonly origin: 'header' | 'block',
    private readonly setting: Setting,
  ) {
    const value = setting.value;
    this.value = value.kind === 'value' ? value.value : undefined;
    this.sweep = value.kind === 'sweep' ? value.elements.map((element) => element.value) : undefined;
    this.reference = value.kind === 'reference' ? value.name : undefined;
  }

  get range(): SourceRange {
    return this.setting.range;
  }

  get valueRange(): SourceRange {
    return this.setting.valueRange;
  }

  /** Serialises as the plain view it stands for. */
  toJSON(): ResolvedSetting {
    const { key, kind, origin, range, valueRange, value, sweep, reference } = this;
    return { key, kind, origin, range, valueRange, value, sweep, reference };
  }
}

/**
 * The hover views of a block's settings in effect, in order; a header setting's
 * view is made once (through `described`) and shared by every block.
 */
export function describeSettings(effective: EffectiveSettings, described: Map<Setting, ResolvedSetting>): ResolvedSetting[] {
  return effective.settings.map((setting) => {
    const cached = described.get(setting);
    if (cached) return cached;
    const origin = originOf(effective, setting);
    const view = new SettingView(setting.key, settingKind(setting.key), origin, setting);
    if (origin === 'header') described.set(setting, view);
    return view;
  });
}

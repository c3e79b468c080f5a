/**
 * Planning one block's expansion: which settings apply (the block's own replace
 * the header's), which of them sweep, the data rows, and every check that can be
 * made once per block rather than once per request.
 */
import type { SourceRange } from '../../models';
import type { Expectation, Grader } from '../../expect/checkGrammar';
import { planExpectations } from '../../expect/expectPlan';
import type { ExpectLine, ExpectPlan, SchemaLoad } from '../../expect/expectPlan';
import type { DataLoad, DataRow } from '../data/dataFiles';
import { prepareData } from './dataPlan';
import type { DataPlan, PreparedData } from './dataPlan';
import type { AxisElement } from './axisElement';
import type { DiagnosticReporter } from '../diagnosticSink';
import type { Block, MessageDefinition, Section, Setting } from '../syntax/document';
import type { ResolvedSetting } from './expansionResult';
import { checkSettingValue, settingKind } from '../settings/parameters';
import { headerOnlyMessage, isFileSetting } from '../settings/fileSettings';
import type { CheckResult, SettingKind } from '../settings/parameters';
import { effectiveSettings, originOf } from '../settings/effectiveSettings';
import type { EffectiveSettings } from '../settings/effectiveSettings';
import { sweepLabel } from './requestIds';
import { hasPlaceholderText } from './substitution';
import { closestName } from '../settings/suggestions';
import { compileString, valueToText } from '../syntax/template';
import type { Template } from '../syntax/template';
import type { SweepElement } from '../syntax/settingValues';


export interface Axis {
  readonly key: string;
  readonly kind: SettingKind | 'data';
  readonly elements: readonly AxisElement[];
  /** Values the axis has when not all are built (data rows past the request limit). */
  readonly size?: number;
}

export type Binding =
  | { readonly source: 'const'; readonly value: unknown; readonly dynamic: boolean }
  | { readonly source: 'axis'; readonly axis: number }
  | { readonly source: 'ref'; readonly name: string }
  | { readonly source: 'template'; readonly template: Template };

export interface ParameterPlan {
  readonly key: string;
  readonly binding: Binding;
  /** Where the value is written (its `valueRange`, for reports). */
  readonly setting: Setting;
}

export interface BlockPlan {
  readonly name: string;
  readonly block: Block;
  readonly axes: readonly Axis[];
  readonly repeat: number;
  /** Request parameters in setting order; `provider` and `api_base` are kept apart. */
  readonly parameters: readonly ParameterPlan[];
  readonly provider?: ParameterPlan;
  readonly apiBase?: ParameterPlan;
  readonly variables: ReadonlyMap<string, Binding>;
  /** Parameters by name, for `{{model}}` and the like in text. */
  readonly parameterBindings: ReadonlyMap<string, Binding>;
  readonly idTemplate?: Template;
  readonly data?: DataPlan;
  readonly messages: readonly MessageDefinition[];
  /** Settings in effect, for the block's hover views (see {@link describeSettings}). */
  readonly effective: EffectiveSettings;
  /** Problems that make every request of the block wrong; it is not expanded. */
  readonly broken: boolean;
  readonly requestCount: number;
  /** The `expect:` lines of the header and the block; absent when there are none. */
  readonly expect?: ExpectPlan;
}

export interface PlanContext {
  readonly sink: DiagnosticReporter;
  /** Settings already reported as misspelt parameters. */
  readonly ignored: ReadonlySet<Setting>;
  readonly defaultProvider?: string;
  /** Problems already reported for the whole file. */
  readonly once: Set<string>;
  /** Hover views of header settings, shared by all blocks. */
  readonly described: Map<Setting, ResolvedSetting>;
  /** Checks a constant parameter value, at most once per distinct value of each key. */
  checkValue(key: string, value: unknown, setting: Setting): CheckResult;
  /** Bindings of header settings that bind the same way in every block (no sweep, no error). */
  readonly headerPlans: Map<Setting, ParameterPlan>;
  /** Checked sweeps by setting, shared by all blocks. */
  readonly sweeps: Map<Setting, readonly AxisElement[]>;
  /** Data rows by `@data` setting, shared by all blocks. */
  readonly dataSets: Map<Setting, PreparedData>;
  /** Reads (once) and parses a data file named by `@data`. */
  loadData(path: string): DataLoad;
  /** Reads (once) and parses a JSON Schema file named by `expect: schema PATH`. */
  loadSchema(path: string): SchemaLoad;
  /** Expectations without placeholders, shared by every block. */
  readonly expectations: Map<ExpectLine, Expectation>;
}

class Planner {
  private broken = false;
  private readonly axes: Axis[] = [];
  private readonly parameters: ParameterPlan[] = [];
  private readonly variables = new Map<string, Binding>();
  private readonly parameterBindings = new Map<string, Binding>();
  private provider: ParameterPlan | undefined;
  private apiBase: ParameterPlan | undefined;
  private repeat = 1;
  private idTemplate: Template | undefined;
  private data: DataPlan | undefined;
  private dataFailed = false;
  private judgeModel: string | undefined;
  private judgeProvider: string | undefined;

  constructor(
    private readonly context: PlanContext,
    private readonly header: Section,
    private readonly headerSettings: EffectiveSettings,
    private readonly block: Block,
    private readonly name: string,
  ) {}

  private error(message: string, range: SourceRange, code: string): void {
    this.context.sink.add('error', message, range, code);
    this.broken = true;
  }

  plan(): BlockPlan {
    const effective = effectiveSettings(this.headerSettings, this.block.settings, this.context.ignored);
    for (let i = 0; i < effective.settings.length; i++) {
      const setting = effective.settings[i] as Setting;
      this.addSetting(setting.key, setting, originOf(effective, setting));
    }
    const messages = this.header.messages.length === 0 ? this.block.messages : [...this.header.messages, ...this.block.messages];
    if (messages.length === 0) this.broken = true;
    if (!this.provider && !this.context.defaultProvider) {
      this.broken = true;
      // Once per file: every block after the first would say the same.
      if (!this.context.once.has('no-provider')) {
        this.context.once.add('no-provider');
        this.error('no provider for these requests: set one in the header, for example "@provider = openai"', this.block.separatorRange, 'no-provider');
      }
    }
    this.checkPlaceholders(messages, effective);
    const expect = this.planExpect();
    let requestCount = this.repeat;
    for (const axis of this.axes) requestCount *= axis.size ?? axis.elements.length;
    return {
      name: this.name,
      block: this.block,
      axes: this.axes,
      repeat: this.repeat,
      parameters: this.parameters,
      provider: this.provider,
      apiBase: this.apiBase,
      variables: this.variables,
      parameterBindings: this.parameterBindings,
      idTemplate: this.idTemplate,
      data: this.data,
      messages,
      effective,
      broken: this.broken,
      requestCount,
      ...(expect && { expect }),
    };
  }

  /** The header's `expect:` lines, then the block's; placeholders in them must name variables. */
  private planExpect(): ExpectPlan | undefined {
    const header = this.header.expectations;
    const own = this.block.expectations;
    if (!header && !own) return undefined;
    const lines = header && own ? [...header, ...own] : ((header ?? own) as readonly ExpectLine[]);
    if (!this.dataFailed) {
      for (const line of lines) for (const part of line.template.parts) if (typeof part !== 'string' && part.range) this.checkName(part.name, part.range);
    }
    const grader: Grader | undefined = this.judgeModel === undefined ? undefined : { model: this.judgeModel, ...(this.judgeProvider !== undefined && { provider: this.judgeProvider }) };
    const context = this.context;
    return planExpectations(lines, grader, { error: (message, range, code) => this.error(message, range, code), loadSchema: context.loadSchema, shared: context.expectations });
  }

  private addSetting(key: string, setting: Setting, origin: 'header' | 'block'): void {
    const kind = settingKind(key);
    const value = setting.value;
    if (value.kind === 'invalid') {
      // Still defined, so its uses are not reported as unknown as well.
      const undefinedValue: Binding = { source: 'const', value: undefined, dynamic: false };
      if (kind === 'variable') this.variables.set(key, undefinedValue);
      else this.parameterBindings.set(key, undefinedValue);
      this.broken = true;
      return;
    }
    if (isFileSetting(key)) {
      // The header's budgets are read once for the whole file, not per block.
      if (origin === 'block') this.error(headerOnlyMessage(key), setting.keyRange, 'header-only');
      return;
    }
    if (kind === 'reserved' && key !== 'api_base') {
      this.addReserved(key, setting);
      return;
    }
    const shared = origin === 'header' ? this.context.headerPlans.get(setting) : undefined;
    if (shared) {
      // A header setting's constant value binds the same way in every block.
      this.addParameter(key, kind, shared);
      return;
    }
    const bound = this.bind(key, kind, setting);
    const plan: ParameterPlan = { key, binding: bound ?? { source: 'const', value: undefined, dynamic: false }, setting };
    if (origin === 'header' && bound && bound.source !== 'axis') this.context.headerPlans.set(setting, plan);
    this.addParameter(key, kind, plan);
  }

  private addParameter(key: string, kind: SettingKind, plan: ParameterPlan): void {
    const binding = plan.binding;
    if (kind === 'variable') {
      this.variables.set(key, binding);
      return;
    }
    this.parameterBindings.set(key, binding);
    if (key === 'provider') this.provider = plan;
    else if (key === 'api_base') this.apiBase = plan;
    else this.parameters.push(plan);
  }

  /** How a parameter or variable gets its value; checks constant parameter values now. */
  private bind(key: string, kind: SettingKind, setting: Setting): Binding | undefined {
    const value = setting.value;
    if (value.kind === 'reference') return { source: 'ref', name: value.name };
    if (value.kind === 'sweep') {
      this.axes.push({ key, kind, elements: this.sweepElements(key, kind, setting, value.elements) });
      return { source: 'axis', axis: this.axes.length - 1 };
    }
    if (value.kind !== 'value') return undefined;
    if (value.template) return { source: 'template', template: value.template };
    const dynamic = hasPlaceholderText(value.value);
    if (kind === 'variable' || dynamic || value.value === null) return { source: 'const', value: value.value, dynamic };
    const result = this.context.checkValue(key, value.value, setting);
    if (!result.ok) {
      this.error(result.message, setting.valueRange, 'invalid-value');
      return undefined;
    }
    return { source: 'const', value: result.value, dynamic };
  }

  /** Sweep elements, parameter values checked; computed once per setting, since header sweeps serve every block. */
  private sweepElements(key: string, kind: SettingKind, setting: Setting, elements: readonly SweepElement[]): readonly AxisElement[] {
    const cached = this.context.sweeps.get(setting);
    if (cached) return cached;
    const checked = elements.map((element): AxisElement => {
      const dynamic = hasPlaceholderText(element.value);
      let normalised = element.value;
      let invalid = false;
      if (kind !== 'variable' && !dynamic && element.value !== null) {
        const result = checkSettingValue(key, element.value);
        if (result.ok) normalised = result.value;
        else {
          invalid = true;
          this.context.sink.add('error', result.message, element.range, 'invalid-value');
        }
      }
      return { value: normalised, range: element.range, label: sweepLabel(key, element.value), invalid, dynamic };
    });
    this.context.sweeps.set(setting, checked);
    return checked;
  }

  private addReserved(key: string, setting: Setting): void {
    const value = setting.value;
    if (key === 'name') {
      // The id template: text, with or without placeholders.
      if (value.kind === 'value') this.idTemplate = value.template ?? compileString(valueToText(value.value));
      else if (value.kind === 'reference') this.idTemplate = compileString(setting.text);
      else this.error('@name sets the id of the block\'s requests and takes one text, not a list; give a variable another name', setting.valueRange, 'invalid-value');
      return;
    }
    if (value.kind !== 'value' || value.template) {
      const what = key === 'repeat' ? 'one number' : key === 'judge_model' ? 'one model name' : key === 'judge_provider' ? 'one provider name' : 'one file path';
      const why = value.kind === 'sweep' ? 'it cannot be a list' : 'placeholders are not filled in here';
      this.error(`@${key} takes ${what}: ${why}`, setting.valueRange, 'invalid-value');
      if (key === 'data') this.dataFailed = true;
      return;
    }
    const result = checkSettingValue(key, value.value);
    if (!result.ok) {
      this.error(result.message, setting.valueRange, 'invalid-value');
      if (key === 'data') this.dataFailed = true;
      return;
    }
    if (key === 'repeat') this.repeat = result.value as number;
    if (key === 'data') this.addData(String(result.value), setting);
    if (key === 'judge_model') this.judgeModel = String(result.value);
    if (key === 'judge_provider') this.judgeProvider = String(result.value);
  }

  private addData(path: string, setting: Setting): void {
    let prepared = this.context.dataSets.get(setting);
    if (!prepared) {
      prepared = prepareData(path, setting.valueRange, this.context.loadData, this.context.sink);
      this.context.dataSets.set(setting, prepared);
    }
    if (!prepared.ok) {
      this.error(prepared.message, setting.valueRange, 'data-file');
      this.dataFailed = true;
      return;
    }
    this.data = prepared.data;
    const size = prepared.data.rowCount;
    this.axes.push(size === prepared.elements.length ? { key: 'data', kind: 'data', elements: prepared.elements } : { key: 'data', kind: 'data', elements: prepared.elements, size });
  }

  /** Every `{{name}}` the block's requests use must name a variable or a data column. */
  private checkPlaceholders(messages: readonly MessageDefinition[], effective: EffectiveSettings): void {
    // Without the data file's columns, unknown names cannot be told apart from columns.
    if (this.dataFailed) return;
    for (const message of messages) {
      const parts = message.content.parts;
      if (message.content.text !== undefined) continue;
      for (const part of parts) if (typeof part !== 'string') this.checkName(part.name, part.range ?? message.range);
    }
    let placeholders = false;
    for (const setting of effective.settings) {
      if (setting.placeholders.length === 0) continue;
      placeholders = true;
      for (const placeholder of setting.placeholders) this.checkName(placeholder.name, placeholder.range ?? setting.valueRange);
    }
    if (placeholders) this.checkCycles(effective.settings);
  }

  private checkName(name: string, range: SourceRange): void {
    if (this.variables.has(name) || this.parameterBindings.has(name) || this.data?.columns.has(name)) return;
    const known = [...this.variables.keys(), ...this.parameterBindings.keys(), ...(this.data?.columnList ?? [])];
    if (settingKind(name) === 'reserved') {
      this.error(`{{${name}}} is not a variable: @${name} is a setting of the file itself; give the variable another name`, range, 'unknown-variable');
      return;
    }
    const suggestion = closestName(name, known);
    const hint = suggestion === undefined ? (known.length > 0 ? '' : ' — define it with a setting such as "@' + name + ' = …"') : ` — did you mean {{${suggestion}}}?`;
    this.error(`unknown variable {{${name}}}${hint}`, range, 'unknown-variable');
  }

  /** `@a = {{b}}` with `@b = {{a}}` can never be filled in. */
  private checkCycles(settings: readonly Setting[]): void {
    let refers: Map<string, string[]> | undefined;
    for (const setting of settings) {
      const key = setting.key;
      if (setting.placeholders.length === 0) continue;
      if (!this.variables.has(key) && !this.parameterBindings.has(key)) continue;
      (refers ??= new Map()).set(key, setting.placeholders.map((placeholder) => placeholder.name));
    }
    if (!refers) return;
    if (refers.size < 2 && ![...refers].some(([key, names]) => names.includes(key))) return;
    const state = new Map<string, 'open' | 'done'>();
    const visit = (name: string, path: string[]): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'open') {
        const cycle = [...path.slice(path.indexOf(name)), name];
        const setting = settings.find((candidate) => candidate.key === name);
        if (setting) this.error(`@${name} refers back to itself: ${cycle.map((n) => `@${n}`).join(' → ')}`, setting.valueRange, 'variable-cycle');
        return;
      }
      state.set(name, 'open');
      for (const next of refers?.get(name) ?? []) if (refers?.has(next)) visit(next, [...path, name]);
      state.set(name, 'done');
    };
    for (const name of refers.keys()) visit(name, []);
  }
}

/** Plans the expansion of `block`; problems go to `context.sink`. */
export function planBlock(context: PlanContext, header: Section, headerSettings: EffectiveSettings, block: Block, name: string): BlockPlan {
  return new Planner(context, header, headerSettings, block, name).plan();
}

/**
 * `expandDocument`: turns a parsed `.llmbatch` document into batch items — one per
 * combination of sweep values, data row and repeat — with the diagnostics that
 * need more than the text alone (unknown names, invalid values, data files).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LLMRequest, Message, SourceRange } from '../models';
import type { AxisElement, BlockPlan, Binding, ParameterPlan } from './blockPlan';
import { planBlock } from './blockPlan';
import { headerEffective } from './effectiveSettings';
import { dataFormatOf, describeReadError, readDataText } from './dataFiles';
import type { DataLoad, DataRow } from './dataFiles';
import { DiagnosticSink } from './diagnosticSink';
import type { LlmbatchDocument, MessageDefinition, Section, Setting } from './document';
import type { BlockSummary, ExpandOptions, ExpansionResult, LlmbatchItem, ResolvedSetting } from './expansion';
import { LazyBlockSummary } from './blockSummaries';
import type { SummaryScope } from './blockSummaries';
import { isKnownSetting, knownSettingNames, settingKind } from './parameters';
import { readFileRateLimits } from './fileSettings';
import { RequestIds, requestIdBase, UniqueNames } from './requestIds';
import { substituteDeep, TemplateCache } from './substitution';
import { closestName } from './suggestions';
import { render } from './template';
import type { Template } from './template';
import { ValueChecks } from './valueChecks';

const defaultMaxRequests = 100_000;
const noVariables: Record<string, unknown> = Object.freeze({});
const noLabels: string[] = [];
/** Marks a parameter value that failed its check (and was reported). */
const invalid: unique symbol = Symbol('invalid');

/** Names used as `{{name}}` anywhere in a section. */
function namesUsedIn(section: Section): Set<string> {
  const used = new Set<string>();
  for (const message of section.messages) for (const part of message.content.parts) if (typeof part !== 'string') used.add(part.name);
  for (const setting of section.settings) for (const placeholder of setting.placeholders) used.add(placeholder.name);
  return used;
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

/**
 * A name that is no parameter but close to one is a misspelt parameter unless
 * something uses it as a variable; a variable nothing uses is worth a warning.
 */
function checkSettingNames(document: LlmbatchDocument, sink: DiagnosticSink): Set<Setting> {
  const ignored = new Set<Setting>();
  const headerUses = namesUsedIn(document.header);
  const check = (setting: Setting, used: (name: string) => boolean) => {
    if (isKnownSetting(setting.key) || used(setting.key)) return;
    const suggestion = closestName(setting.key, knownSettingNames);
    if (suggestion !== undefined) {
      const what = settingKind(suggestion) === 'parameter' ? 'parameter' : 'setting';
      sink.add('error', `unknown ${what} @${setting.key} — did you mean @${suggestion}?`, setting.keyRange, 'unknown-parameter');
      ignored.add(setting);
      return;
    }
    const sweep = setting.value.kind === 'sweep' ? `, yet its ${setting.value.elements.length} values each make a separate request` : '';
    sink.add('warning', `variable @${setting.key} is never used: no {{${setting.key}}} refers to it${sweep}`, setting.keyRange, 'unused-variable');
  };
  for (const block of document.blocks) {
    for (const setting of block.settings) check(setting, (name) => headerUses.has(name) || usesName(block, name));
  }
  // Every block's names, only when the header has a variable to look for.
  let allUses: Set<string> | undefined;
  const usedAnywhere = (name: string): boolean => {
    if (!allUses) {
      allUses = new Set(headerUses);
      for (const block of document.blocks) for (const used of namesUsedIn(block)) allUses.add(used);
    }
    return allUses.has(name);
  };
  for (const setting of document.header.settings) check(setting, usedAnywhere);
  return ignored;
}

type Lookup = (name: string) => unknown;

/** What every block of one expansion shares. */
interface SharedExpansion {
  readonly templates: TemplateCache;
  readonly checks: ValueChecks;
  /** Frozen messages without placeholders, by template, then role and label. */
  readonly fixedMessages: WeakMap<Template, Map<string, Message>>;
}

/** Produces the requests of one planned block. */
class BlockExpander {
  private readonly current: AxisElement[];
  private row: DataRow | undefined;
  /** Names being resolved, against `@a = {{b}}`, `@b = {{a}}` loops; made on first need. */
  private resolving: Set<string> | undefined;
  private readonly missing: string[] = [];
  private readonly source: SourceRange;
  readonly lookup: Lookup = (name) => this.valueOf(name);

  constructor(
    private readonly plan: BlockPlan,
    private readonly sink: DiagnosticSink,
    private readonly shared: SharedExpansion,
    private readonly defaultProvider: string | undefined,
    fileName: string | undefined,
  ) {
    this.current = plan.axes.map((axis) => axis.elements[0] as AxisElement);
    this.templates = shared.templates;
    const range = plan.block.range;
    // Spelt out rather than spread: a spread copy gets a hidden class of its own, one per block.
    this.source =
      fileName === undefined
        ? range
        : { startLine: range.startLine, startColumn: range.startColumn, endLine: range.endLine, endColumn: range.endColumn, file: fileName };
  }

  private readonly templates: TemplateCache;

  private valueOf(name: string): unknown {
    const row = this.row;
    const column = row ? this.plan.data?.columns.get(name) : undefined;
    if (row && column !== undefined) {
      const value = row.values[column];
      if (value === undefined) this.missing.push(name);
      return value;
    }
    const binding = this.plan.variables.get(name) ?? this.plan.parameterBindings.get(name);
    if (!binding) return undefined;
    // Plain values cannot refer back to anything, so they skip the cycle guard.
    if (binding.source === 'const' && !binding.dynamic) return binding.value;
    if (binding.source === 'axis' && this.current[binding.axis]?.dynamic === false) return this.current[binding.axis]?.value;
    const resolving = (this.resolving ??= new Set());
    if (resolving.has(name)) return undefined;
    resolving.add(name);
    try {
      return this.resolve(binding);
    } finally {
      resolving.delete(name);
    }
  }

  private resolve(binding: Binding): unknown {
    switch (binding.source) {
      case 'const':
        return binding.dynamic ? substituteDeep(binding.value, this.lookup, this.templates) : binding.value;
      case 'axis': {
        const element = this.current[binding.axis];
        return element?.dynamic ? substituteDeep(element.value, this.lookup, this.templates) : element?.value;
      }
      case 'ref':
        return this.valueOf(binding.name);
      case 'template':
        return render(binding.template, this.lookup);
    }
  }

  /** The checked value of a parameter for the current combination, or `invalid` (reported). */
  private parameter(plan: ParameterPlan): unknown {
    const binding = plan.binding;
    if (binding.source === 'const' && !binding.dynamic) return binding.value;
    if (binding.source === 'axis') {
      const element = this.current[binding.axis];
      if (element && !element.dynamic) return element.value;
    }
    const value = this.resolve(binding);
    if (value === null || value === undefined) return null;
    const result = this.shared.checks.check(plan.key, value);
    if (result.ok) return result.value;
    const where = this.row && this.plan.data ? ` (${this.plan.data.display} row ${this.row.number})` : '';
    this.sink.add('error', `${result.message}${where}`, plan.setting.valueRange, 'invalid-value');
    return invalid;
  }

  private messages(): Message[] {
    const fixed = (this.fixedMessages ??= this.plan.messages.map((definition) => (definition.content.text === undefined ? undefined : this.fixedMessage(definition))));
    return this.plan.messages.map((definition, index) => fixed[index] ?? this.message(definition));
  }

  /**
   * A message without placeholders is the same in every request, so one frozen
   * object is shared by all of them.
   */
  private fixedMessages: (Message | undefined)[] | undefined;

  /** Messages written the same way in many blocks share one object too. */
  private fixedMessage(definition: MessageDefinition): Message {
    const key = definition.label === undefined ? definition.role : `${definition.role}(${definition.label})`;
    let byRole = this.shared.fixedMessages.get(definition.content);
    if (!byRole) this.shared.fixedMessages.set(definition.content, (byRole = new Map()));
    let message = byRole.get(key);
    if (!message) byRole.set(key, (message = Object.freeze(this.message(definition))));
    return message;
  }

  private message(definition: MessageDefinition): Message {
    const message: Message = { role: definition.role, content: render(definition.content, this.lookup) };
    if (definition.label !== undefined) {
      if (definition.role === 'tool') message.tool_call_id = definition.label;
      else message.name = definition.label;
    }
    return message;
  }

  /** The request of the current combination, or undefined when a value is invalid. */
  private request(): { request: LLMRequest; apiBase?: { value: string; range: SourceRange } } | undefined {
    const provider = this.plan.provider ? this.parameter(this.plan.provider) : null;
    if (provider === invalid) return undefined;
    const providerValue = provider ?? this.defaultProvider;
    if (typeof providerValue !== 'string') return undefined;
    const body: Record<string, unknown> = { provider: providerValue, messages: this.messages(), stream: false };
    for (const plan of this.plan.parameters) {
      const value = this.parameter(plan);
      if (value === invalid) return undefined;
      if (value !== null && value !== undefined) body[plan.key] = value;
    }
    let apiBase: { value: string; range: SourceRange } | undefined;
    if (this.plan.apiBase) {
      const value = this.parameter(this.plan.apiBase);
      if (value === invalid) return undefined;
      if (typeof value === 'string') apiBase = { value, range: this.apiBaseRange(this.plan.apiBase) };
    }
    return { request: body as unknown as LLMRequest, apiBase };
  }

  private apiBaseRange(plan: ParameterPlan): SourceRange {
    return plan.binding.source === 'axis' ? (this.current[plan.binding.axis]?.range ?? plan.setting.valueRange) : plan.setting.valueRange;
  }

  private reportMissing(): void {
    const data = this.plan.data;
    if (!data || !this.row) return;
    for (const name of new Set(this.missing)) {
      this.sink.add('error', `${data.display} row ${this.row.number} has no value for {{${name}}}, so its request is left out`, data.range, 'data-row');
    }
  }

  /** Appends the block's requests to `items`, naming them through `ids`. */
  expand(items: LlmbatchItem[], ids: RequestIds): void {
    const { axes, repeat, name, idTemplate } = this.plan;
    const claim = ids.forBlock(name, axes.filter((axis) => axis.kind !== 'data'), idTemplate !== undefined);
    const indices = axes.map(() => 0);
    const combinations = this.plan.requestCount / repeat;
    const labelled = axes.map((axis) => axis.kind !== 'data');
    const anyLabelled = labelled.includes(true);
    const dataAxis = axes.findIndex((axis) => axis.kind === 'data');
    const variableKeys = axes.map((axis) => (axis.kind === 'data' ? undefined : axis.key));
    const someInvalid = axes.some((axis) => axis.elements.some((element) => element.invalid));
    const columnList = this.plan.data?.columnList ?? [];
    for (let combination = 0; combination < combinations; combination++) {
      if (combination > 0) this.advance(indices);
      if (someInvalid && this.current.some((element) => element.invalid)) continue;
      this.row = dataAxis >= 0 ? this.current[dataAxis]?.row : undefined;
      this.missing.length = 0;
      const built = this.request();
      if (this.missing.length > 0) this.reportMissing();
      if (!built || this.missing.length > 0) continue;
      const variables: Record<string, unknown> = axes.length === 0 ? noVariables : {};
      const labels: string[] = anyLabelled ? [] : noLabels;
      for (let a = 0; a < axes.length; a++) {
        const element = this.current[a];
        const key = variableKeys[a];
        if (!element) continue;
        if (labelled[a] && key !== undefined) {
          labels.push(element.label);
          setOwn(variables, key, element.value);
        } else if (element.row) {
          const values = element.row.values;
          for (let c = 0; c < columnList.length; c++) if (values[c] !== undefined) setOwn(variables, columnList[c] ?? '', values[c]);
        }
      }
      let base = idTemplate ? render(idTemplate, this.lookup).trim() : '';
      if (base === '') base = requestIdBase(name, labels, this.row?.number);
      for (let sample = 0; sample < repeat; sample++) {
        const item: { -readonly [K in keyof LlmbatchItem]: LlmbatchItem[K] } = {
          id: claim ? claim(repeat > 1 ? sampleId(base, sample) : base) : repeat > 1 ? sampleId(base, sample) : base,
          request: sample === 0 ? built.request : { ...built.request },
          block: name,
          variables,
          source: this.source,
        };
        if (repeat > 1) item.sample = sample;
        if (built.apiBase) item.apiBase = built.apiBase;
        items.push(item);
      }
    }
  }

  /** Moves to the next combination; the last axis varies fastest. */
  private advance(indices: number[]): void {
    const axes = this.plan.axes;
    for (let a = axes.length - 1; a >= 0; a--) {
      const elements = axes[a]?.elements ?? [];
      const next = (indices[a] ?? 0) + 1;
      if (next < elements.length) {
        indices[a] = next;
        this.current[a] = elements[next] as AxisElement;
        return;
      }
      indices[a] = 0;
      this.current[a] = elements[0] as AxisElement;
    }
  }
}

/** `base~2` for the second sample, as one flat string. */
function sampleId(base: string, sample: number): string {
  return [base, '~', String(sample + 1)].join('');
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function expand(document: LlmbatchDocument, options: ExpandOptions): ExpansionResult {
  const sink = new DiagnosticSink();
  for (const diagnostic of document.diagnostics) sink.push(diagnostic);
  const items: LlmbatchItem[] = [];
  const blocks: BlockSummary[] = [];
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const baseDir = options.baseDir ?? (options.fileName !== undefined ? dirname(options.fileName) : process.cwd());
  const maxRequests = options.maxRequests ?? defaultMaxRequests;
  const dataFiles = new Map<string, DataLoad>();
  const loadData = (path: string): DataLoad => {
    const absolute = isAbsolute(path) ? path : resolve(baseDir, path);
    let load = dataFiles.get(absolute);
    if (!load) {
      try {
        load = readDataText(readFile(absolute), dataFormatOf(absolute), maxRequests);
      } catch (error) {
        load = { ok: false, message: describeReadError(error) };
      }
      dataFiles.set(absolute, load);
    }
    return load;
  };
  const ignored = checkSettingNames(document, sink);
  const rateLimits = readFileRateLimits(document.header, ignored, sink);
  const checks = new ValueChecks();
  const context = {
    sink,
    ignored,
    defaultProvider: options.defaultProvider,
    once: new Set<string>(),
    described: new Map<Setting, ResolvedSetting>(),
    headerPlans: new Map(),
    checkValue: (key: string, value: unknown, setting: Setting) => checks.check(key, value, setting),
    sweeps: new Map(),
    dataSets: new Map(),
    loadData,
  };
  const headerSettings = headerEffective(document.header, ignored);
  const summaryScope: SummaryScope = { header: headerSettings, ignored, described: context.described };
  const shared: SharedExpansion = { templates: new TemplateCache(), checks, fixedMessages: new WeakMap() };
  const ids = new RequestIds(items);
  const blockNames = new UniqueNames();
  let total = 0;
  for (const block of document.blocks) {
    const wanted = block.name ?? `request-${block.index + 1}`;
    const name = blockNames.claim(wanted);
    if (name !== wanted && block.nameRange) {
      sink.add('warning', `another block is already named "${wanted}"; this one's requests are named "${name}"`, block.nameRange, 'duplicate-block');
    }
    const plan = planBlock(context, document.header, headerSettings, block, name);
    const firstItem = items.length;
    if (!plan.broken && !document.unreadable) {
      if (total + plan.requestCount > maxRequests) {
        sink.add(
          'error',
          `this block makes ${plan.requestCount.toLocaleString('en-US')} requests, which would take the file past the limit of ${maxRequests.toLocaleString('en-US')}; it is not expanded`,
          block.separatorRange,
          'too-many-requests',
        );
      } else {
        new BlockExpander(plan, sink, shared, options.defaultProvider, options.fileName).expand(items, ids);
        total += plan.requestCount;
      }
    }
    const data = plan.data ? { path: plan.data.display, rows: plan.data.rowCount, columns: plan.data.columnList } : undefined;
    const counts = { requestCount: plan.requestCount, itemCount: items.length - firstItem, firstItem, repeat: plan.repeat };
    blocks.push(new LazyBlockSummary(name, block, counts, data, summaryScope));
  }
  return { items, diagnostics: sink.finish(), blocks, ...(rateLimits && { rateLimits }) };
}

/**
 * Expands a parsed document into batch items: one per combination of sweep
 * values, data rows and repeats, each with a unique readable id. Requests with
 * errors are left out and the errors reported. Data files are read through
 * `options.readFile`, each at most once. Never throws.
 */
export function expandDocument(document: LlmbatchDocument, options: ExpandOptions = {}): ExpansionResult {
  try {
    return expand(document, options);
  } catch (error) {
    return {
      items: [],
      blocks: [],
      diagnostics: [
        ...document.diagnostics,
        {
          severity: 'error',
          message: `the file could not be expanded: ${error instanceof Error ? error.message : String(error)}`,
          range: { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 },
          code: 'internal-error',
        },
      ],
    };
  }
}

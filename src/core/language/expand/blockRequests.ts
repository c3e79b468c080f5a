/**
 * Producing the requests of planned blocks: one per combination of sweep
 * values, data row and repeat, each with its readable id.
 */
import type { LLMRequest, Message, SourceRange } from '../../models';
import type { BlockPlan, Binding, ParameterPlan } from './blockPlan';
import type { AxisElement } from './axisElement';
import type { DataRow } from '../data/dataFiles';
import type { DiagnosticReporter } from '../diagnosticSink';
import type { MessageDefinition } from '../syntax/document';
import type { ApiBaseSetting, LlmbatchItem } from './expansionResult';
import { requestIdBase } from './requestIds';
import type { RequestIds } from './requestIds';
import { substituteDeep } from './substitution';
import type { TemplateCache } from './substitution';
import { render } from '../syntax/template';
import type { Template } from '../syntax/template';
import type { ValueChecks } from '../settings/valueChecks';
import type { Expectation } from '../../expect/checkGrammar';
import { resolveExpectations } from '../../expect/expectPlan';
import type { SchemaLoad } from '../../expect/expectPlan';

const noVariables: Record<string, unknown> = Object.freeze({});
const noLabels: string[] = [];
const noIndices: number[] = [];
// Written to only through an axis, so blocks without one can share it.
const noElements: AxisElement[] = [];
const noFlags: readonly boolean[] = [];
const noKeys: readonly (string | undefined)[] = [];
/** Marks a parameter value that failed its check (and was reported). */
const invalid: unique symbol = Symbol('invalid');

type Lookup = (name: string) => unknown;

/** What every block of one expansion shares. */
export interface SharedExpansion {
  readonly templates: TemplateCache;
  readonly checks: ValueChecks;
  /** Frozen messages without placeholders, by template, then role and label. */
  readonly fixedMessages: WeakMap<Template, Map<string, Message>>;
  readonly shapes: BodyShapes;
  /** Parameter values of the request being made; reused for every request. */
  readonly values: unknown[];
  /** Reads the JSON Schema files of `expect: schema` lines filled in per request. */
  readonly loadSchema: (path: string) => SchemaLoad;
}

interface ShapeNode {
  shape?: object;
  readonly next: Map<string, ShapeNode>;
}

/**
 * Request bodies with the same parameters in the same order are copies of one
 * shape: `provider`, `messages`, `stream`, then the parameters. Found by walking
 * the parameter keys, so looking one up makes no string.
 */
export class BodyShapes {
  private readonly root: ShapeNode = { next: new Map() };

  of(parameters: readonly { readonly key: string }[]): object {
    let node = this.root;
    for (let i = 0; i < parameters.length; i++) {
      const key = (parameters[i] as { readonly key: string }).key;
      let next = node.next.get(key);
      if (!next) node.next.set(key, (next = { next: new Map() }));
      node = next;
    }
    // Parsed rather than built: JSON.parse makes an object whose properties all fit inside it, and so do its copies.
    node.shape ??= JSON.parse(`{"provider":null,"messages":null,"stream":false${parameters.map(({ key }) => `,${JSON.stringify(key)}:null`).join('')}}`) as object;
    return node.shape;
  }
}

/**
 * Produces the requests of planned blocks, one block after another. One serves
 * a whole expansion: a long file has a block per request, and an expander per
 * block was as many objects again.
 */
export class BlockExpander {
  // The block being expanded; set by `expand`.
  private plan!: BlockPlan;
  private current: AxisElement[] = [];
  private source!: SourceRange;
  private row: DataRow | undefined;
  /** Names being resolved, against `@a = {{b}}`, `@b = {{a}}` loops; made on first need. */
  private resolving: Set<string> | undefined;
  private readonly missing: string[] = [];
  private readonly templates: TemplateCache;
  readonly lookup: Lookup = (name) => this.valueOf(name);

  constructor(
    private readonly sink: DiagnosticReporter,
    private readonly shared: SharedExpansion,
    private readonly defaultProvider: string | undefined,
    private readonly fileName: string | undefined,
  ) {
    this.templates = shared.templates;
  }

  private start(plan: BlockPlan): void {
    this.plan = plan;
    this.current = plan.axes.length === 0 ? noElements : plan.axes.map((axis) => axis.elements[0] as AxisElement);
    this.row = undefined;
    if (this.missing.length > 0) this.missing.length = 0;
    this.fixedMessages = undefined;
    this.shape = undefined;
    this.apiBase = undefined;
    const range = plan.block.range;
    const fileName = this.fileName;
    // Spelt out rather than spread: a spread copy gets a hidden class of its own, one per block.
    this.source =
      fileName === undefined
        ? range
        : { startLine: range.startLine, startColumn: range.startColumn, endLine: range.endLine, endColumn: range.endColumn, file: fileName };
  }

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

  /** The request body's shape when every parameter has a value, made on first need. */
  private shape: object | undefined;

  /** The `@api_base` of the last request made. */
  private apiBase: ApiBaseSetting | undefined;

  /** The request of the current combination (its `@api_base` in {@link apiBase}), or undefined when a value is invalid. */
  private request(): LLMRequest | undefined {
    this.apiBase = undefined;
    const provider = this.plan.provider ? this.parameter(this.plan.provider) : null;
    if (provider === invalid) return undefined;
    const providerValue = provider ?? this.defaultProvider;
    if (typeof providerValue !== 'string') return undefined;
    const messages = this.messages();
    const parameters = this.plan.parameters;
    const values = this.shared.values;
    let complete = true;
    for (let i = 0; i < parameters.length; i++) {
      const value = this.parameter(parameters[i] as ParameterPlan);
      if (value === invalid) return undefined;
      if (value === null || value === undefined) complete = false;
      values[i] = value;
    }
    let body: Record<string, unknown>;
    if (complete) {
      // A copy of the shape has every property inside the object; added one by one, they would need a second object.
      body = { ...(this.shape ??= this.shared.shapes.of(parameters)) };
      body.provider = providerValue;
      body.messages = messages;
      for (let i = 0; i < parameters.length; i++) body[(parameters[i] as ParameterPlan).key] = values[i];
    } else {
      body = { provider: providerValue, messages, stream: false };
      for (let i = 0; i < parameters.length; i++) if (values[i] !== null && values[i] !== undefined) body[(parameters[i] as ParameterPlan).key] = values[i];
    }
    if (this.plan.apiBase) {
      const value = this.parameter(this.plan.apiBase);
      if (value === invalid) return undefined;
      if (typeof value === 'string') this.apiBase = { value, range: this.apiBaseRange(this.plan.apiBase) };
    }
    return body as unknown as LLMRequest;
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

  /** Appends the requests of `plan`'s block to `items`, naming them through `ids`. */
  expand(plan: BlockPlan, items: LlmbatchItem[], ids: RequestIds): void {
    this.start(plan);
    const { axes, repeat, name, idTemplate } = plan;
    // Most blocks of a long file sweep nothing: they need none of the lists below.
    const swept = axes.length > 0;
    const claim = ids.forBlock(name, swept ? axes.filter((axis) => axis.kind !== 'data') : axes, idTemplate !== undefined);
    const indices = swept ? axes.map(() => 0) : noIndices;
    const combinations = this.plan.requestCount / repeat;
    const labelled = swept ? axes.map((axis) => axis.kind !== 'data') : noFlags;
    const anyLabelled = labelled.includes(true);
    const dataAxis = swept ? axes.findIndex((axis) => axis.kind === 'data') : -1;
    const variableKeys = swept ? axes.map((axis) => (axis.kind === 'data' ? undefined : axis.key)) : noKeys;
    const someInvalid = swept && axes.some((axis) => axis.elements.some((element) => element.invalid));
    const columnList = this.plan.data?.columnList ?? noKeys;
    const expect = plan.expect;
    // Only scored requests need their axes, for the scoreboard; one list serves the block.
    const sweptKeys = expect && swept ? axes.filter((axis) => axis.kind !== 'data').map((axis) => axis.key) : undefined;
    for (let combination = 0; combination < combinations; combination++) {
      if (combination > 0) this.advance(indices);
      if (someInvalid && this.current.some((element) => element.invalid)) continue;
      this.row = dataAxis >= 0 ? this.current[dataAxis]?.row : undefined;
      if (this.missing.length > 0) this.missing.length = 0;
      const request = this.request();
      if (this.missing.length > 0) this.reportMissing();
      if (!request || this.missing.length > 0) continue;
      let expectations: readonly Expectation[] | undefined;
      if (expect) {
        expectations = expect.fixed ?? this.expectations();
        if (!expectations) continue;
      }
      const apiBase = this.apiBase;
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
          request: sample === 0 ? request : { ...request },
          block: name,
          variables,
          source: this.source,
        };
        if (repeat > 1) item.sample = sample;
        if (apiBase) item.apiBase = apiBase;
        if (expectations) {
          item.expect = expectations;
          if (sweptKeys && sweptKeys.length > 0) item.swept = sweptKeys;
        }
        items.push(item);
      }
    }
  }

  /** The current request's expectations, filled in; undefined when one is malformed (reported). */
  private expectations(): readonly Expectation[] | undefined {
    const where = this.row && this.plan.data ? ` (${this.plan.data.display} row ${this.row.number})` : '';
    return resolveExpectations(this.plan.expect!, this.lookup, this.shared.loadSchema, (message, range) => this.sink.add('error', message, range, 'invalid-expectation'), where);
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

/**
 * `expandDocument`: turns a parsed `.llmbatch` document into batch items — one per
 * combination of sweep values, data row and repeat — with the diagnostics that
 * need more than the text alone (unknown names, invalid values, data files).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Diagnostic } from '../../diagnostics';
import { BlockExpander, BodyShapes } from './blockRequests';
import type { SharedExpansion } from './blockRequests';
import { planBlock } from './blockPlan';
import type { PlanContext } from './blockPlan';
import { LazyBlockSummary, PendingSummaries, SummaryTable } from './blockSummaries';
import type { SummaryScope } from './blockSummaries';
import { dataFormatOf, describeReadError, readDataText } from '../data/dataFiles';
import type { DataLoad } from '../data/dataFiles';
import { DiagnosticList, DiagnosticSink } from '../diagnosticSink';
import type { DiagnosticReporter } from '../diagnosticSink';
import type { Block, LlmbatchDocument, Section, Setting } from '../syntax/document';
import { headerEffective } from '../settings/effectiveSettings';
import type { EffectiveSettings } from '../settings/effectiveSettings';
import type { BlockSummary, ExpandOptions, ExpansionResult, FileRateLimits, LlmbatchItem } from './expansionResult';
import { readFileRateLimits } from '../settings/fileSettings';
import type { SourceLines } from '../syntax/lines';
import { RequestIds, UniqueNames } from './requestIds';
import { schemaLoader } from '../../expect/schemaFiles';
import { checkBlockSettingNames, checkHeaderSettingNames, namesUsedIn } from '../settings/settingNames';
import { TemplateCache } from './substitution';
import { ValueChecks } from '../settings/valueChecks';

const defaultMaxRequests = 100_000;

/** What planning and expanding the blocks of one file share, set up once the header's names are checked. */
interface BlockStage {
  readonly context: PlanContext;
  readonly headerSettings: EffectiveSettings;
  readonly summaryScope: SummaryScope;
  readonly expander: BlockExpander;
  readonly ids: RequestIds;
  readonly rateLimits: FileRateLimits | undefined;
  /** Set when blocks are dropped once expanded. */
  readonly pending: PendingSummaries | undefined;
}

/**
 * One expansion of a file, block by block. The sink must see problems in the
 * order a whole-document expansion reports them — every block's names, the
 * header's names, the file's settings, then each block's plan and requests —
 * so when blocks are expanded as they are read, each group is kept apart
 * (`deferred`) and handed over by {@link finish}.
 */
export class DocumentExpansion {
  private readonly ignored = new Set<Setting>();
  private readonly headerUses: Set<string>;
  private readonly names: DiagnosticReporter;
  private readonly headerNames: DiagnosticReporter;
  private readonly file: DiagnosticReporter;
  private readonly blockReports: DiagnosticReporter;
  private readonly items: LlmbatchItem[] = [];
  private readonly blocks: BlockSummary[] = [];
  private readonly blockNames = new UniqueNames();
  private readonly maxRequests: number;
  private stage: BlockStage | undefined;
  private total = 0;

  constructor(
    private readonly header: Section,
    private readonly unreadable: boolean,
    private readonly options: ExpandOptions,
    private readonly sink: DiagnosticSink,
    deferred: boolean,
    /** The text's lines, when blocks are dropped once expanded: summaries then read their settings again from the text. */
    private readonly lines?: SourceLines,
  ) {
    this.headerUses = namesUsedIn(header);
    this.maxRequests = options.maxRequests ?? defaultMaxRequests;
    this.names = deferred ? new DiagnosticList() : sink;
    this.headerNames = deferred ? new DiagnosticList() : sink;
    this.file = deferred ? new DiagnosticList() : sink;
    this.blockReports = deferred ? new DiagnosticList() : sink;
  }

  /** Checks the names of a block's own settings; before the block is expanded. */
  checkBlockNames(block: Block): void {
    checkBlockSettingNames(block, this.headerUses, this.ignored, this.names);
  }

  /** Checks the header's setting names; `blockUses` adds every name the blocks use to a set. */
  checkHeaderNames(blockUses: (into: Set<string>) => void): void {
    // Every block's names, only when the header has a variable to look for.
    let allUses: Set<string> | undefined;
    const usedAnywhere = (name: string): boolean => {
      if (!allUses) {
        allUses = new Set(this.headerUses);
        blockUses(allUses);
      }
      return allUses.has(name);
    };
    checkHeaderSettingNames(this.header, usedAnywhere, this.ignored, this.headerNames);
  }

  private begin(): BlockStage {
    const { options, ignored } = this;
    const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
    const baseDir = options.baseDir ?? (options.fileName !== undefined ? dirname(options.fileName) : process.cwd());
    const dataFiles = new Map<string, DataLoad>();
    const absoluteOf = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
    const loadData = (path: string): DataLoad => {
      const absolute = absoluteOf(path);
      let load = dataFiles.get(absolute);
      if (!load) {
        try {
          load = readDataText(readFile(absolute), dataFormatOf(absolute), this.maxRequests);
        } catch (error) {
          load = { ok: false, message: describeReadError(error) };
        }
        dataFiles.set(absolute, load);
      }
      return load;
    };
    const rateLimits = readFileRateLimits(this.header, ignored, this.file);
    const checks = new ValueChecks();
    const context: PlanContext = {
      sink: this.blockReports,
      ignored,
      defaultProvider: options.defaultProvider,
      once: new Set<string>(),
      described: new Map(),
      headerPlans: new Map(),
      checkValue: (key: string, value: unknown, setting: Setting) => checks.check(key, value, setting),
      sweeps: new Map(),
      dataSets: new Map(),
      loadData,
      loadSchema: schemaLoader(readFile, absoluteOf),
      expectations: new Map(),
    };
    const headerSettings = headerEffective(this.header, ignored);
    const summaryScope: SummaryScope = { header: headerSettings, ignored, described: context.described, table: new SummaryTable(), lines: this.lines };
    const shared: SharedExpansion = { templates: new TemplateCache(), checks, fixedMessages: new WeakMap(), shapes: new BodyShapes(), values: [], loadSchema: context.loadSchema };
    const expander = new BlockExpander(this.blockReports, shared, options.defaultProvider, options.fileName);
    const pending = this.lines ? new PendingSummaries(summaryScope) : undefined;
    return { context, headerSettings, summaryScope, expander, ids: new RequestIds(this.items), rateLimits, pending };
  }

  /** Plans and expands the next block; its own names must have been checked. */
  expandBlock(block: Block): void {
    const stage = (this.stage ??= this.begin());
    const { items, maxRequests } = this;
    const wanted = block.name ?? `request-${block.index + 1}`;
    const name = this.blockNames.claim(wanted);
    if (name !== wanted && block.nameRange) {
      this.blockReports.add('warning', `another block is already named "${wanted}"; this one's requests are named "${name}"`, block.nameRange, 'duplicate-block');
    }
    const plan = planBlock(stage.context, this.header, stage.headerSettings, block, name);
    const firstItem = items.length;
    if (!plan.broken && !this.unreadable) {
      if (this.total + plan.requestCount > maxRequests) {
        this.blockReports.add(
          'error',
          `this block makes ${plan.requestCount.toLocaleString('en-US')} requests, which would take the file past the limit of ${maxRequests.toLocaleString('en-US')}; it is not expanded`,
          block.separatorRange,
          'too-many-requests',
        );
      } else {
        stage.expander.expand(plan, items, stage.ids);
        this.total += plan.requestCount;
      }
    }
    const data = plan.data ? { path: plan.data.display, rows: plan.data.rowCount, columns: plan.data.columnList } : undefined;
    const counts = { requestCount: plan.requestCount, itemCount: items.length - firstItem, firstItem, repeat: plan.repeat };
    const row = LazyBlockSummary.record(stage.summaryScope, block, counts);
    // Summaries of dropped blocks are made when first asked for: a run may never ask.
    if (stage.pending) stage.pending.add(name, data);
    else this.blocks.push(new LazyBlockSummary(name, data, stage.summaryScope, row));
  }

  /** The result, with the document's own diagnostics first. */
  finish(documentDiagnostics: readonly Diagnostic[]): ExpansionResult {
    const stage = (this.stage ??= this.begin());
    const sink = this.sink;
    for (const diagnostic of documentDiagnostics) sink.push(diagnostic);
    for (const group of [this.names, this.headerNames, this.file, this.blockReports]) {
      if (group instanceof DiagnosticList) for (const diagnostic of group.list) sink.push(diagnostic);
    }
    const rateLimits = stage.rateLimits;
    const pending = stage.pending;
    if (!pending) return { items: this.items, diagnostics: sink.finish(), blocks: this.blocks, ...(rateLimits && { rateLimits }) };
    const { items } = this;
    const diagnostics = sink.finish();
    return rateLimits
      ? {
          items,
          diagnostics,
          get blocks() {
            return pending.list();
          },
          rateLimits,
        }
      : {
          items,
          diagnostics,
          get blocks() {
            return pending.list();
          },
        };
  }
}

function expand(document: LlmbatchDocument, options: ExpandOptions): ExpansionResult {
  const sink = new DiagnosticSink();
  for (const diagnostic of document.diagnostics) sink.push(diagnostic);
  const expansion = new DocumentExpansion(document.header, document.unreadable === true, options, sink, false);
  for (const block of document.blocks) expansion.checkBlockNames(block);
  expansion.checkHeaderNames((into) => {
    for (const block of document.blocks) namesUsedIn(block, into);
  });
  for (const block of document.blocks) expansion.expandBlock(block);
  return expansion.finish([]);
}

/** The result of an expansion that failed unexpectedly: no requests, and why. */
export function failedExpansion(documentDiagnostics: readonly Diagnostic[], error: unknown): ExpansionResult {
  return {
    items: [],
    blocks: [],
    diagnostics: [
      ...documentDiagnostics,
      {
        severity: 'error',
        message: `the file could not be expanded: ${error instanceof Error ? error.message : String(error)}`,
        range: { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 },
        code: 'internal-error',
      },
    ],
  };
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
    return failedExpansion(document.diagnostics, error);
  }
}

/**
 * A block's summary for CodeLens and hovers. A long file has one per block and
 * a run reads almost nothing of them, so each is kept small: its numbers live
 * in one table shared by all summaries, its setting views are made when first
 * read, and it keeps no hold on the parsed block (a run does not keep the whole
 * document alive) — when the blocks are dropped, their settings are read again
 * from the text if asked for.
 */
import type { SourceRange } from '../../models';
import type { EffectiveSettings } from '../settings/effectiveSettings';
import { describeSettings, effectiveSettings } from '../settings/effectiveSettings';
import type { Block, Setting } from '../syntax/document';
import type { SettingNode } from '../syntax/documentNodes';
import type { BlockSummary, ResolvedSetting } from './expansionResult';
import { lineRange, spanRange } from '../syntax/lines';
import type { SourceLines } from '../syntax/lines';
import { readSettingAt } from '../syntax/settingReader';
import type { Report } from '../syntax/settingReader';

export interface SummaryCounts {
  readonly requestCount: number;
  readonly itemCount: number;
  readonly firstItem: number;
  readonly repeat: number;
}

// Columns of the summary table.
const indexColumn = 0;
const requestCountColumn = 1;
const itemCountColumn = 2;
const firstItemColumn = 3;
const repeatColumn = 4;
const startLineColumn = 5;
const startColumnColumn = 6;
const endLineColumn = 7;
const endColumnColumn = 8;
const separatorEndColumn = 9;
const ownStartColumn = 10;
const ownCountColumn = 11;
const columnCount = 12;

// 32 KiB each: small enough for a short file, and a long one needs a few hundred.
const chunkBits = 12;
const chunkSize = 1 << chunkBits;

/**
 * Numbers in typed arrays of a fixed size: the collector never copies them, as
 * it copies objects holding them, and growing never copies what is stored.
 */
class NumberColumn {
  private readonly chunks: Float64Array[] = [];
  length = 0;

  push(value: number): void {
    const chunk = this.length >> chunkBits;
    if (chunk === this.chunks.length) this.chunks.push(new Float64Array(chunkSize));
    (this.chunks[chunk] as Float64Array)[this.length & (chunkSize - 1)] = value;
    this.length++;
  }

  get(index: number): number {
    return this.chunks[index >> chunkBits]?.[index & (chunkSize - 1)] ?? 0;
  }
}

/** The numbers of every summary of an expansion, a row of {@link columnCount} each, and the blocks' own settings. */
export class SummaryTable {
  private readonly cells = new NumberColumn();
  private rows = 0;
  /** Every block's own settings in effect, one block after another, when they are kept as objects. */
  readonly settings: Setting[] = [];
  /** The same as lines to read them again from, when the parsed blocks are not kept. */
  readonly settingLines = new NumberColumn();

  /** Adds the row of a block; returns its number. */
  add(block: Block, counts: SummaryCounts, ownStart: number, ownCount: number): number {
    const cells = this.cells;
    const range = block.range;
    // In column order.
    cells.push(block.index);
    cells.push(counts.requestCount);
    cells.push(counts.itemCount);
    cells.push(counts.firstItem);
    cells.push(counts.repeat);
    cells.push(range.startLine);
    cells.push(range.startColumn);
    cells.push(range.endLine);
    cells.push(range.endColumn);
    cells.push(block.separatorRange.endColumn);
    cells.push(ownStart);
    cells.push(ownCount);
    return this.rows++;
  }

  get(row: number, column: number): number {
    return this.cells.get(row * columnCount + column);
  }
}

/** What the summaries of one expansion share. */
export interface SummaryScope {
  readonly header: EffectiveSettings;
  readonly ignored: ReadonlySet<Setting>;
  readonly described: Map<Setting, ResolvedSetting>;
  readonly table: SummaryTable;
  /** The text's lines, when the parsed blocks are not kept: settings are then read again from them. */
  readonly lines: SourceLines | undefined;
}

const ignoreReport: Report = () => undefined;

export class LazyBlockSummary implements BlockSummary {
  private views: readonly ResolvedSetting[] | undefined;

  /** A summary of the block recorded in row `row` of the scope's table. */
  constructor(
    readonly name: string,
    readonly data: BlockSummary['data'],
    private readonly scope: SummaryScope,
    private readonly row: number,
  ) {}

  /** Records a block's numbers and settings in the scope's table; returns its row, for a summary made then or later. */
  static record(scope: SummaryScope, block: Block, counts: SummaryCounts): number {
    const { table, lines, ignored } = scope;
    let ownStart: number;
    let ownEnd: number;
    if (lines) {
      // A setting object is much larger than its line number, and a long file has one or more per block;
      // blocks the parser hands over hold its own settings, which know their line.
      const column = table.settingLines;
      ownStart = column.length;
      for (const setting of block.settings) {
        // Dropping misspelt ones now changes nothing: the merge with the header's leaves them out.
        if (ignored.size > 0 && ignored.has(setting)) continue;
        column.push((setting as SettingNode).line);
      }
      ownEnd = column.length;
    } else {
      ownStart = table.settings.length;
      for (const setting of block.settings) if (ignored.size === 0 || !ignored.has(setting)) table.settings.push(setting);
      ownEnd = table.settings.length;
    }
    return table.add(block, counts, ownStart, ownEnd - ownStart);
  }

  private cell(column: number): number {
    return this.scope.table.get(this.row, column);
  }

  get index(): number {
    return this.cell(indexColumn);
  }

  get requestCount(): number {
    return this.cell(requestCountColumn);
  }

  get itemCount(): number {
    return this.cell(itemCountColumn);
  }

  get firstItem(): number {
    return this.cell(firstItemColumn);
  }

  get repeat(): number {
    return this.cell(repeatColumn);
  }

  get range(): SourceRange {
    return spanRange(this.cell(startLineColumn), this.cell(startColumnColumn), this.cell(endLineColumn), this.cell(endColumnColumn));
  }

  get separatorRange(): SourceRange {
    return lineRange(this.cell(startLineColumn), 0, this.cell(separatorEndColumn));
  }

  get settings(): readonly ResolvedSetting[] {
    if (this.views) return this.views;
    const { header, ignored, described, table, lines } = this.scope;
    const start = this.cell(ownStartColumn);
    const end = start + this.cell(ownCountColumn);
    let own: Setting[];
    if (lines) {
      own = [];
      for (let i = start; i < end; i++) {
        const setting = readSettingAt(lines, table.settingLines.get(i), ignoreReport, []).setting;
        if (setting) own.push(setting);
      }
    } else own = table.settings.slice(start, end);
    return (this.views = describeSettings(effectiveSettings(header, own, ignored), described));
  }

  /** Serialises as the plain summary it stands for. */
  toJSON(): BlockSummary {
    const { name, index, range, separatorRange, requestCount, itemCount, firstItem, settings, data, repeat } = this;
    return { name, index, range, separatorRange, requestCount, itemCount, firstItem, settings, data, repeat };
  }
}

/**
 * Summaries of blocks that were not kept, made when first asked for from the
 * rows recorded in the scope's table: a run may never ask. Holds nothing else
 * of the expansion, so the loaded batch keeps only what the summaries need.
 */
export class PendingSummaries {
  private names: string[] = [];
  private data: BlockSummary['data'][] = [];
  private made: BlockSummary[] | undefined;

  constructor(private readonly scope: SummaryScope) {}

  /** Adds the block recorded in the next row. */
  add(name: string, data: BlockSummary['data']): void {
    this.names.push(name);
    this.data.push(data);
  }

  list(): BlockSummary[] {
    if (!this.made) {
      const { names, data, scope } = this;
      this.made = names.map((name, row) => new LazyBlockSummary(name, data[row], scope, row));
      this.names = [];
      this.data = [];
    }
    return this.made;
  }
}

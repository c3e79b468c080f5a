/**
 * A block's summary for CodeLens and hovers. Its setting views are made when
 * first read: a run of a long file reads none of them. It keeps no hold on the
 * parsed block, so a run does not keep the whole document alive.
 */
import type { SourceRange } from '../models';
import type { EffectiveSettings } from './effectiveSettings';
import { describeSettings, effectiveSettings } from './effectiveSettings';
import type { Block, Setting } from './document';
import type { BlockSummary, ResolvedSetting } from './expansion';
import { lineRange } from './lines';

export interface SummaryCounts {
  readonly requestCount: number;
  readonly itemCount: number;
  readonly firstItem: number;
  readonly repeat: number;
}

/** What the summaries of one expansion share. */
export interface SummaryScope {
  readonly header: EffectiveSettings;
  readonly ignored: ReadonlySet<Setting>;
  readonly described: Map<Setting, ResolvedSetting>;
}

export class LazyBlockSummary implements BlockSummary {
  readonly index: number;
  readonly requestCount: number;
  readonly itemCount: number;
  readonly firstItem: number;
  readonly repeat: number;
  readonly range: SourceRange;
  private readonly separatorEnd: number;
  private views: readonly ResolvedSetting[] | undefined;
  /** The block's own settings; the merge with the header's is redone when first read rather than kept. */
  private readonly own: readonly Setting[];

  constructor(
    readonly name: string,
    block: Block,
    counts: SummaryCounts,
    readonly data: BlockSummary['data'],
    private readonly scope: SummaryScope,
  ) {
    this.own = block.settings;
    this.index = block.index;
    this.range = block.range;
    this.separatorEnd = block.separatorRange.endColumn;
    this.requestCount = counts.requestCount;
    this.itemCount = counts.itemCount;
    this.firstItem = counts.firstItem;
    this.repeat = counts.repeat;
  }

  get separatorRange(): SourceRange {
    return lineRange(this.range.startLine, 0, this.separatorEnd);
  }

  get settings(): readonly ResolvedSetting[] {
    const { header, ignored, described } = this.scope;
    return (this.views ??= describeSettings(effectiveSettings(header, this.own, ignored), described));
  }

  /** Serialises as the plain summary it stands for. */
  toJSON(): BlockSummary {
    const { name, index, range, separatorRange, requestCount, itemCount, firstItem, settings, data, repeat } = this;
    return { name, index, range, separatorRange, requestCount, itemCount, firstItem, settings, data, repeat };
  }
}

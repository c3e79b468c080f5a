/** The bar above the results: view switch, filters, actions, and the summary strip. */
import type { ExportFormat, JudgeSummary, RunProgress, RunState } from '../protocol';
import type { RunTotals } from '../logic/summary';
import type { StatusFilter } from '../logic/sortFilter';
import type { AxisFilter } from '../logic/checks';
import { describeAxisFilter } from '../logic/checks';
import { formatPassCount } from '../../core/expect/outcomes';
import { button, h, option, setChildren } from '../dom';
import { formatCompact, formatCost, formatDuration, formatInteger } from '../logic/format';
import { rateLimitParts } from '../logic/rateLimitText';

export type ViewName = 'table' | 'compare' | 'scoreboard';

export interface ToolbarCallbacks {
  onView(view: ViewName): void;
  onStatusFilter(filter: StatusFilter): void;
  onText(text: string): void;
  onGroupByBlock(grouped: boolean): void;
  onRerunFailed(): void;
  onCancel(): void;
  onExport(format: ExportFormat): void;
  onClearAxisFilter(): void;
}

export interface ToolbarState {
  readonly view: ViewName;
  readonly statusFilter: StatusFilter;
  readonly text: string;
  readonly groupByBlock: boolean;
  readonly runState: RunState | undefined;
  readonly failed: number;
  readonly canRun: boolean;
  readonly hasRows: boolean;
  /** Some answer has expectations: the "Failed checks" filter applies. */
  readonly hasChecks: boolean;
  readonly hasScoreboard: boolean;
  readonly axisFilter: AxisFilter | undefined;
}

const statusFilters: readonly [StatusFilter, string][] = [
  ['all', 'All statuses'],
  ['ok', 'Succeeded'],
  ['cached', 'Cached'],
  ['batch', 'From batch jobs'],
  ['failed', 'Failed'],
  ['pending', 'Running / cancelled'],
  ['checksFailed', 'Failed checks'],
];

export class Toolbar {
  readonly element: HTMLElement;
  private readonly tableTab: HTMLButtonElement;
  private readonly compareTab: HTMLButtonElement;
  private readonly scoreboardTab: HTMLButtonElement;
  private readonly checksOption: HTMLOptionElement;
  private readonly axisChip: HTMLSpanElement;
  private readonly axisLabel: HTMLSpanElement;
  private readonly statusSelect: HTMLSelectElement;
  private readonly search: HTMLInputElement;
  private readonly group: HTMLInputElement;
  private readonly rerunFailed: HTMLButtonElement;
  private readonly cancel: HTMLButtonElement;
  private readonly exportSelect: HTMLSelectElement;
  private readonly filters: HTMLDivElement;

  constructor(callbacks: ToolbarCallbacks) {
    this.tableTab = button('Table', () => callbacks.onView('table'), { className: 'tab', attrs: { role: 'tab' } });
    this.compareTab = button('Compare', () => callbacks.onView('compare'), { className: 'tab', attrs: { role: 'tab' } });
    this.scoreboardTab = button('Scoreboard', () => callbacks.onView('scoreboard'), { className: 'tab', attrs: { role: 'tab' } });
    this.statusSelect = h('select', { attrs: { 'aria-label': 'Filter by status' } }, statusFilters.map(([value, label]) => option(value, label)));
    this.checksOption = this.statusSelect.options[statusFilters.length - 1]!;
    this.axisLabel = h('span', { className: 'chip-label' });
    this.axisChip = h('span', { className: 'chip', attrs: { role: 'status' } }, [
      this.axisLabel,
      button('✕', () => callbacks.onClearAxisFilter(), { className: 'chip-clear', title: 'Show every value again', attrs: { 'aria-label': 'Clear the scoreboard filter' } }),
    ]);
    this.statusSelect.addEventListener('change', () => callbacks.onStatusFilter(this.statusSelect.value as StatusFilter));
    this.search = h('input', { className: 'search', attrs: { type: 'search', placeholder: 'Filter text', 'aria-label': 'Filter by text', spellcheck: 'false' } });
    this.search.addEventListener('input', () => callbacks.onText(this.search.value));
    this.group = h('input', { attrs: { type: 'checkbox', id: 'group-by-block' } });
    this.group.addEventListener('change', () => callbacks.onGroupByBlock(this.group.checked));
    this.rerunFailed = button('Re-run failed', () => callbacks.onRerunFailed(), { title: 'Send the failed requests again' });
    this.cancel = button('Cancel', () => callbacks.onCancel(), { className: 'secondary', title: 'Stop the run; finished answers are kept' });
    this.exportSelect = h('select', { attrs: { 'aria-label': 'Export' } }, [
      option('', 'Export…', true),
      option('csv', 'CSV'),
      option('markdown', 'Markdown'),
      option('jsonl', 'JSONL'),
    ]);
    this.exportSelect.addEventListener('change', () => {
      const format = this.exportSelect.value as ExportFormat | '';
      this.exportSelect.value = '';
      if (format) callbacks.onExport(format);
    });
    this.filters = h('div', { className: 'filters' }, [
      this.statusSelect,
      this.search,
      h('label', { className: 'control checkbox' }, [this.group, h('span', { text: 'Group by block' })]),
      this.axisChip,
    ]);
    this.element = h('div', { className: 'toolbar' }, [
      h('div', { className: 'tabs', attrs: { role: 'tablist' } }, [this.tableTab, this.compareTab, this.scoreboardTab]),
      this.filters,
      h('div', { className: 'actions' }, [this.rerunFailed, this.cancel, this.exportSelect]),
    ]);
  }

  update(state: ToolbarState): void {
    this.scoreboardTab.hidden = !state.hasScoreboard;
    this.checksOption.hidden = !state.hasChecks && state.statusFilter !== 'checksFailed';
    this.axisChip.hidden = !state.axisFilter;
    if (state.axisFilter) this.axisLabel.textContent = describeAxisFilter(state.axisFilter);
    for (const [tab, view] of [[this.tableTab, 'table'], [this.compareTab, 'compare'], [this.scoreboardTab, 'scoreboard']] as const) {
      tab.classList.toggle('active', state.view === view);
      tab.setAttribute('aria-selected', String(state.view === view));
    }
    this.filters.hidden = state.view !== 'table';
    if (this.statusSelect.value !== state.statusFilter) this.statusSelect.value = state.statusFilter;
    // Never overwrite what the user is typing.
    if (document.activeElement !== this.search && this.search.value !== state.text) this.search.value = state.text;
    this.group.checked = state.groupByBlock;
    const running = state.runState === 'running';
    this.rerunFailed.hidden = !state.canRun;
    this.rerunFailed.disabled = running || state.failed === 0;
    this.rerunFailed.textContent = state.failed > 0 ? `Re-run ${state.failed} failed` : 'Re-run failed';
    this.cancel.hidden = !running || !state.canRun;
    this.exportSelect.disabled = !state.hasRows;
  }
}

/** "120 requests · 117 ok · 3 failed · …" with a progress bar while running. */
export class SummaryStrip {
  readonly element: HTMLElement;
  private readonly text: HTMLDivElement;
  private readonly bar: HTMLDivElement;
  private readonly barFill: HTMLDivElement;

  constructor() {
    this.text = h('div', { className: 'summary-text', attrs: { role: 'status', 'aria-live': 'off' } });
    this.barFill = h('div', { className: 'progress-fill' });
    this.bar = h('div', { className: 'progress', attrs: { role: 'progressbar', 'aria-valuemin': '0' } }, [this.barFill]);
    this.element = h('div', { className: 'summary' }, [this.text, this.bar]);
  }

  update(totals: RunTotals, runState: RunState | undefined, wallTimeMs: number | undefined, progress: RunProgress | undefined, rateLimited429s?: number, judge?: JudgeSummary): void {
    const parts: [string, string?][] = [[`${formatInteger(totals.total)} request${totals.total === 1 ? '' : 's'}`]];
    if (totals.checks.scored > 0) parts.push([formatPassCount(totals.checks), totals.checks.passed === totals.checks.scored ? 'passed' : 'checks-failed']);
    if (totals.ok) parts.push([`${formatInteger(totals.ok)} ok`, 'ok']);
    if (totals.cached) parts.push([`${formatInteger(totals.cached)} cached`, 'cached']);
    if (totals.batch) parts.push([`${formatInteger(totals.batch)} from batch jobs`, 'batch']);
    if (totals.failed) parts.push([`${formatInteger(totals.failed)} failed`, 'failed']);
    if (totals.running) parts.push([`${formatInteger(totals.running)} ${runState === 'running' ? 'running' : 'unfinished'}`, 'running']);
    if (totals.cancelled) parts.push([`${formatInteger(totals.cancelled)} cancelled`, 'cancelled']);
    const tokens = totals.promptTokens + totals.completionTokens;
    if (tokens) parts.push([`${formatCompact(tokens)} tokens (${formatCompact(totals.promptTokens)} in, ${formatCompact(totals.completionTokens)} out)`]);
    if (totals.costUsd > 0 || (totals.ok > 0 && totals.costComplete)) parts.push([`${totals.costComplete ? '' : '≥ '}${formatCost(totals.costUsd)}`]);
    const elapsed = runState === 'running' ? progress?.elapsedMs : wallTimeMs;
    if (elapsed !== undefined) parts.push([formatDuration(elapsed)]);
    const seconds = (elapsed ?? 0) / 1000;
    const rate = runState === 'running' ? progress?.tokensPerSecond : seconds > 0 ? totals.fetchedTokens / seconds : undefined;
    if (rate) parts.push([`${formatCompact(rate)} tok/s`]);
    if (runState === 'running' && progress?.etaMs !== undefined) parts.push([`~${formatDuration(progress.etaMs)} left`]);
    for (const part of rateLimitParts(runState, progress, rateLimited429s)) parts.push([part]);
    // Grader requests are counted apart: the figures above are the experiment's own.
    if (judge) parts.push([`judge: ${formatInteger(judge.requests)} request${judge.requests === 1 ? '' : 's'}${judge.cached ? `, ${formatInteger(judge.cached)} cached` : ''}${judge.failed ? `, ${formatInteger(judge.failed)} failed` : ''}, ${formatCompact(judge.tokens)} tokens${judge.costUsd ? `, ${formatCost(judge.costUsd)}` : ''}`]);
    setChildren(
      this.text,
      parts.flatMap(([text, status], i) => [i > 0 && h('span', { className: 'separator', text: ' · ' }), h('span', { className: status ? `count status-${status}` : 'count', text })]),
    );
    this.bar.hidden = runState !== 'running';
    const ratio = totals.total ? totals.done / totals.total : 0;
    this.barFill.style.width = `${(ratio * 100).toFixed(1)}%`;
    this.bar.setAttribute('aria-valuemax', String(totals.total));
    this.bar.setAttribute('aria-valuenow', String(totals.done));
  }
}

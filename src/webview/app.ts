/**
 * The results app: holds the run the host sent, the UI state the webview
 * persists, and turns both into DOM at most once per animation frame.
 */
import type { BlockScoreboard, CopyPart, HistoryEntry, HostMessage, JudgeSummary, ResultRow, RowDetail, RunProgress, RunState, WebviewMessage } from './protocol';
import type { AxisFilter, ScoreboardSort } from './logic/checks';
import type { Column } from './logic/columns';
import type { DisplayEntry, SortSpec, StatusFilter } from './logic/sortFilter';
import type { CompareState } from './views/compare';
import type { ViewName } from './views/toolbar';
import { columnsFor, columnsThatFit } from './logic/columns';
import { buildDisplayList } from './logic/sortFilter';
import { summarize } from './logic/summary';
import { h } from './dom';
import { VirtualTable } from './views/table';
import { DetailView } from './views/detail';
import { CompareView } from './views/compare';
import { ScoreboardView } from './views/scoreboard';
import { SummaryStrip, Toolbar } from './views/toolbar';

/** What survives a reload of the webview (through `getState`/`setState`). */
export interface UiState {
  readonly fileUri?: string;
  readonly view: ViewName;
  readonly statusFilter: StatusFilter;
  readonly text: string;
  readonly sort?: SortSpec;
  readonly groupByBlock: boolean;
  readonly collapsed: readonly string[];
  readonly selectedId?: string;
  readonly detailOpen: boolean;
  readonly compare: CompareState;
  /** A scoreboard value the table is narrowed to. */
  readonly axisFilter?: AxisFilter;
  readonly scoreboardSort?: ScoreboardSort;
}

/** The part of the VS Code webview API the app uses; a plain page can fake it. */
export interface HostApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: UiState): void;
}

const defaultUiState: UiState = {
  view: 'table',
  statusFilter: 'all',
  text: '',
  groupByBlock: false,
  collapsed: [],
  detailOpen: false,
  compare: { onlyDiffering: false },
};

function restoredState(saved: unknown): UiState {
  if (!saved || typeof saved !== 'object') return defaultUiState;
  return { ...defaultUiState, ...(saved as Partial<UiState>) };
}

interface RunInfo {
  runId: string;
  startedAt: number;
  state: RunState;
  wallTimeMs?: number;
  progress?: RunProgress;
  /** 429s met, once the run is over. */
  rateLimited429s?: number;
  scoreboard?: readonly BlockScoreboard[];
  judge?: JudgeSummary;
}

export class ResultsApp {
  private ui: UiState;
  private fileName = '';
  private canRun = false;
  private run: RunInfo | undefined;
  private rows: ResultRow[] = [];
  /** Row positions by id, built on first use (a first paint does not need it). */
  private positionIndex: Map<string, number> | undefined;
  private history: readonly HistoryEntry[] = [];
  private readonly earlierRuns = new Map<string, readonly ResultRow[]>();
  private readonly requestedRuns = new Set<string>();
  private detail: RowDetail | undefined;

  private columns: Column[] = [];
  private allColumns: Column[] = [];
  private entries: DisplayEntry[] = [];
  private rowsDirty = true;
  /** The compare view rebuilds its DOM, so only when something it shows changed. */
  private compareDirty = true;
  private framePending = false;
  private width = 0;

  private readonly title = h('div', { className: 'title' });
  private readonly toolbar: Toolbar;
  private readonly summary = new SummaryStrip();
  private readonly table: VirtualTable;
  private readonly detailView: DetailView;
  private readonly compareView: CompareView;
  private readonly scoreboardView: ScoreboardView;
  private scoreboardDirty = true;
  private readonly tableArea: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostApi,
  ) {
    this.ui = restoredState(host.getState());
    this.toolbar = new Toolbar({
      onView: (view) => this.updateUi({ view }),
      onStatusFilter: (statusFilter) => this.updateUi({ statusFilter }, true),
      onText: (text) => this.updateUi({ text }, true),
      onGroupByBlock: (groupByBlock) => this.updateUi({ groupByBlock }, true),
      onRerunFailed: () => this.host.postMessage({ type: 'rerunFailed' }),
      onCancel: () => this.host.postMessage({ type: 'cancel' }),
      onExport: (format) => this.host.postMessage({ type: 'export', format, ids: this.table.visibleRows().map((row) => row.id) }),
      onClearAxisFilter: () => this.updateUi({ axisFilter: undefined }, true),
    });
    this.table = new VirtualTable({
      onSelect: (row) => this.select(row.id),
      onOpen: (row) => this.openDetail(row.id),
      onSort: (column) => this.toggleSort(column),
      onToggleGroup: (block) => {
        const collapsed = new Set(this.ui.collapsed);
        if (!collapsed.delete(block)) collapsed.add(block);
        this.updateUi({ collapsed: [...collapsed] }, true);
      },
    });
    this.detailView = new DetailView({
      onClose: () => this.closeDetail(),
      onCopy: (part) => this.copy(part),
      onReveal: () => this.ui.selectedId !== undefined && this.host.postMessage({ type: 'revealInEditor', id: this.ui.selectedId }),
      onRerun: () => this.ui.selectedId !== undefined && this.host.postMessage({ type: 'rerunRow', id: this.ui.selectedId, bypassCache: true }),
      onRevealCheck: (check) => this.ui.selectedId !== undefined && this.host.postMessage({ type: 'revealCheck', id: this.ui.selectedId, check }),
    });
    this.scoreboardView = new ScoreboardView({
      onSort: (scoreboardSort) => this.updateUi({ scoreboardSort }),
      // A value narrows the table to its requests; the other filters stay as they were.
      onPick: (axisFilter) => this.updateUi({ axisFilter, view: 'table' }, true),
    });
    this.compareView = new CompareView({
      onStateChange: (compare) => this.updateUi({ compare }),
      onNeedRun: (runId) => {
        if (this.requestedRuns.has(runId)) return;
        this.requestedRuns.add(runId);
        this.host.postMessage({ type: 'loadRun', runId });
      },
      onOpen: (row) => {
        this.updateUi({ view: 'table' });
        this.openDetail(row.id);
      },
    });
    this.tableArea = h('div', { className: 'table-area' }, [this.table.element, this.detailView.element]);
    root.append(h('header', { className: 'top' }, [this.title, this.toolbar.element, this.summary.element]), this.tableArea, this.compareView.element, this.scoreboardView.element);
    document.addEventListener('keydown', (event) => this.onGlobalKey(event));
    new ResizeObserver(() => {
      const width = this.tableArea.clientWidth;
      if (Math.abs(width - this.width) < 1) return;
      this.width = width;
      this.refitColumns();
      this.schedule();
    }).observe(this.tableArea);
    this.width = this.tableArea.clientWidth;
    this.schedule();
  }

  /** Handles one message from the host. */
  receive(message: HostMessage): void {
    switch (message.type) {
      case 'init':
        this.fileName = message.fileName;
        this.canRun = message.canRun;
        this.history = message.history;
        if (this.ui.fileUri !== message.fileUri) this.ui = { ...this.ui, fileUri: message.fileUri };
        this.persist();
        this.setRun(message.run);
        // The first paint should not wait for the next frame.
        this.render();
        if (this.ui.detailOpen && this.ui.selectedId !== undefined) this.openDetail(this.ui.selectedId);
        return;
      case 'run':
        this.history = message.history;
        this.setRun(message.run);
        if (this.ui.detailOpen && this.ui.selectedId !== undefined) {
          if (this.rowOf(this.ui.selectedId)) this.openDetail(this.ui.selectedId);
          else this.ui = { ...this.ui, detailOpen: false };
        }
        break;
      case 'rows':
        if (message.runId !== this.run?.runId) return;
        if (message.state) this.run.state = message.state;
        for (const row of message.rows) {
          const position = this.positions.get(row.id);
          if (position === undefined) {
            this.positions.set(row.id, this.rows.length);
            this.rows.push(row);
          } else this.rows[position] = row;
          if (row.id === this.ui.selectedId && this.ui.detailOpen && row.status !== 'running') this.requestDetail(row.id);
        }
        this.rowsDirty = true;
        this.compareDirty = true;
        break;
      case 'progress':
        if (message.runId === this.run?.runId) this.run.progress = message.progress;
        break;
      case 'finished':
        if (message.runId !== this.run?.runId) return;
        this.run.state = message.state;
        this.run.wallTimeMs = message.wallTimeMs;
        this.run.rateLimited429s = message.rateLimited429s;
        this.run.scoreboard = message.scoreboard;
        this.run.judge = message.judge;
        this.history = message.history;
        this.rowsDirty = true;
        this.compareDirty = true;
        this.scoreboardDirty = true;
        break;
      case 'detail':
        if (message.runId === this.run?.runId && message.detail.id === this.ui.selectedId) {
          this.detail = message.detail;
          const row = this.rowOf(message.detail.id);
          if (row && this.ui.detailOpen) this.detailView.show(row, message.detail, this.canRun);
        }
        return;
      case 'historyRun':
        this.earlierRuns.set(message.runId, message.rows);
        this.compareDirty = true;
        break;
    }
    this.schedule();
  }

  private setRun(run: (RunInfo & { rows: readonly ResultRow[] }) | undefined): void {
    this.run = run
      ? {
          runId: run.runId,
          startedAt: run.startedAt,
          state: run.state,
          wallTimeMs: run.wallTimeMs,
          progress: run.progress,
          rateLimited429s: run.rateLimited429s,
          scoreboard: run.scoreboard,
          judge: run.judge,
        }
      : undefined;
    this.scoreboardDirty = true;
    this.rows = run ? run.rows.slice() : [];
    this.positionIndex = undefined;
    this.detail = undefined;
    this.rowsDirty = true;
    this.compareDirty = true;
  }

  private get positions(): Map<string, number> {
    if (!this.positionIndex) {
      this.positionIndex = new Map();
      for (let i = 0; i < this.rows.length; i++) this.positionIndex.set(this.rows[i]!.id, i);
    }
    return this.positionIndex;
  }

  private rowOf(id: string): ResultRow | undefined {
    const position = this.positions.get(id);
    return position === undefined ? undefined : this.rows[position];
  }

  private updateUi(patch: Partial<UiState>, rowsChanged = false): void {
    this.ui = { ...this.ui, ...patch };
    if (rowsChanged) this.rowsDirty = true;
    if ('compare' in patch || 'view' in patch) this.compareDirty = true;
    if ('scoreboardSort' in patch || 'view' in patch) this.scoreboardDirty = true;
    this.persist();
    this.schedule();
  }

  private persist(): void {
    this.host.setState(this.ui);
  }

  private schedule(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => {
      this.framePending = false;
      this.render();
    });
  }

  private refitColumns(): void {
    this.columns = columnsThatFit(this.allColumns, this.width || 800);
  }

  private render(): void {
    const totals = summarize(this.rows);
    const scoreboard = this.run?.scoreboard ?? [];
    // A restored panel may have been left on the scoreboard of a run that has none.
    const view = this.ui.view === 'scoreboard' && scoreboard.length === 0 ? 'table' : this.ui.view;
    const showTable = view === 'table';
    this.title.textContent = this.fileName ? `Results · ${this.fileName}` : 'Results';
    this.toolbar.update({
      view,
      statusFilter: this.ui.statusFilter,
      text: this.ui.text,
      groupByBlock: this.ui.groupByBlock,
      runState: this.run?.state,
      failed: totals.failed,
      canRun: this.canRun,
      hasRows: this.rows.length > 0,
      hasChecks: totals.checks.scored > 0,
      hasScoreboard: scoreboard.length > 0,
      axisFilter: this.ui.axisFilter,
    });
    this.summary.update(totals, this.run?.state, this.run?.wallTimeMs, this.run?.progress, this.run?.rateLimited429s, this.run?.judge);
    this.tableArea.hidden = view !== 'table';
    this.compareView.element.hidden = view !== 'compare';
    this.scoreboardView.element.hidden = view !== 'scoreboard';
    this.tableArea.classList.toggle('with-detail', this.ui.detailOpen);
    this.detailView.element.hidden = !this.ui.detailOpen;

    if (this.rowsDirty) {
      this.rowsDirty = false;
      const next = columnsFor(this.rows, { showBlock: this.ui.groupByBlock ? false : undefined });
      // Same keys → keep the old objects so the table does not rebuild its cells.
      if (next.map((column) => column.key).join('\n') !== this.allColumns.map((column) => column.key).join('\n')) {
        this.allColumns = next;
        this.refitColumns();
      }
      this.entries = buildDisplayList(this.rows, this.allColumns, {
        statusFilter: this.ui.statusFilter,
        text: this.ui.text,
        sort: this.ui.sort,
        groupByBlock: this.ui.groupByBlock,
        collapsed: new Set(this.ui.collapsed),
        ...(this.ui.axisFilter && { axis: this.ui.axisFilter }),
      });
    }
    const emptyText = this.run === undefined ? 'No results for this file yet. Run the batch to see them here.' : this.rows.length === 0 ? 'This run has no requests.' : 'No rows match the filter.';
    this.table.setData(this.entries, this.columns, this.ui.sort, emptyText);
    this.table.setSelected(this.ui.selectedId, false);
    this.table.element.dataset['rows'] = String(this.entries.length);
    if (view === 'scoreboard' && this.scoreboardDirty) {
      this.scoreboardDirty = false;
      this.scoreboardView.render(scoreboard, this.ui.scoreboardSort);
    }
    if (view === 'compare' && this.compareDirty) {
      this.compareDirty = false;
      this.compareView.render({ rows: this.rows, history: this.history, currentRunId: this.run?.runId, earlierRuns: this.earlierRuns, state: this.ui.compare });
    }
  }

  private toggleSort(column: string): void {
    const current = this.ui.sort;
    // Ascending, then descending, then back to run order.
    const sort = current?.column !== column ? { column, descending: false } : !current.descending ? { column, descending: true } : undefined;
    this.updateUi({ sort }, true);
  }

  private select(id: string): void {
    if (this.ui.selectedId === id) return;
    this.updateUi({ selectedId: id });
    this.table.setSelected(id, false);
    if (this.ui.detailOpen) this.openDetail(id);
  }

  private openDetail(id: string): void {
    const row = this.rowOf(id);
    if (!row) return;
    this.ui = { ...this.ui, selectedId: id, detailOpen: true };
    this.persist();
    this.detail = undefined;
    this.detailView.showRow(row, this.canRun);
    this.requestDetail(id);
    this.table.setSelected(id, true);
    this.schedule();
  }

  private requestDetail(id: string): void {
    this.host.postMessage({ type: 'requestDetail', id });
  }

  private closeDetail(): void {
    this.updateUi({ detailOpen: false });
    this.table.focus();
  }

  private copy(part: CopyPart): void {
    if (this.ui.selectedId !== undefined) this.host.postMessage({ type: 'copy', id: this.ui.selectedId, part });
  }

  private onGlobalKey(event: KeyboardEvent): void {
    if (event.key === 'Escape' && this.ui.detailOpen && this.ui.view === 'table') {
      event.preventDefault();
      this.closeDetail();
    } else if (event.key === 'Escape' && this.ui.view === 'compare') {
      this.compareView.clearPicks();
    }
  }
}

/**
 * The compare view: answers of one block side by side (variants or two runs),
 * and a word diff of any two cells the user picks.
 */
import type { HistoryEntry, ResultRow } from '../protocol';
import type { CompareMatrix, MatrixRow } from '../logic/matrix';
import { buildRunMatrix, buildVariantMatrix, columnPassCounts, comparableText, compareBlocks, defaultCompareBlock, rowDiffers } from '../logic/matrix';
import { checksPassed, checksText } from '../logic/checks';
import { formatPassCount } from '../../core/expect/outcomes';
import { wordDiff } from '../logic/wordDiff';
import { formatTime } from '../logic/format';
import { button, h, option, setChildren } from '../dom';

export interface CompareState {
  /** Block name ('' for rows without a block). */
  readonly block?: string;
  /** An earlier run to set beside the current one; absent compares variants. */
  readonly against?: string;
  readonly onlyDiffering: boolean;
}

export interface CompareInput {
  readonly rows: readonly ResultRow[];
  readonly history: readonly HistoryEntry[];
  readonly currentRunId: string | undefined;
  /** Rows of earlier runs already loaded, by run id. */
  readonly earlierRuns: ReadonlyMap<string, readonly ResultRow[]>;
  readonly state: CompareState;
}

export interface CompareCallbacks {
  onStateChange(state: CompareState): void;
  onNeedRun(runId: string): void;
  onOpen(row: ResultRow): void;
}

interface Pick {
  readonly row: ResultRow;
  readonly label: string;
}

const pageSize = 200;

export class CompareView {
  readonly element: HTMLElement;
  private readonly controls: HTMLDivElement;
  private readonly matrixHost: HTMLDivElement;
  private readonly diffHost: HTMLDivElement;
  // Outside the matrix's host, so it stays in view (sticky) while a wide matrix scrolls sideways.
  private readonly hint: HTMLParagraphElement;
  private picks: Pick[] = [];
  private readonly cellRows = new Map<HTMLElement, ResultRow>();
  private limit = pageSize;
  private input: CompareInput | undefined;

  constructor(private readonly callbacks: CompareCallbacks) {
    this.controls = h('div', { className: 'compare-controls' });
    this.matrixHost = h('div', { className: 'matrix-host' });
    this.diffHost = h('div', { className: 'diff-host', attrs: { 'aria-live': 'polite' } });
    this.hint = h('p', { className: 'hint muted', text: 'Click two answers to see a word diff; double-click one for its detail.' });
    this.hint.hidden = true;
    this.element = h('section', { className: 'compare', attrs: { 'aria-label': 'Compare answers' } }, [this.controls, this.diffHost, this.hint, this.matrixHost]);
  }

  render(input: CompareInput): void {
    this.input = input;
    this.hint.hidden = true;
    const blocks = compareBlocks(input.rows);
    const blockKey = input.state.block !== undefined && blocks.some((entry) => (entry.block ?? '') === input.state.block) ? input.state.block : (defaultCompareBlock(blocks) ?? '');
    this.renderControls(input, blocks.map((entry) => ({ key: entry.block ?? '', label: `${entry.block || '(no block)'} (${entry.count})` })), blockKey);
    if (input.rows.length === 0) {
      setChildren(this.matrixHost, [h('p', { className: 'muted', text: 'No results to compare yet.' })]);
      this.renderDiff();
      return;
    }
    const block = input.rows.find((row) => (row.block ?? '') === blockKey)?.block;
    let matrix: CompareMatrix;
    if (input.state.against) {
      const earlier = input.earlierRuns.get(input.state.against);
      if (!earlier) {
        this.callbacks.onNeedRun(input.state.against);
        setChildren(this.matrixHost, [h('p', { className: 'muted', text: 'Loading the earlier run…' })]);
        this.renderDiff();
        return;
      }
      const entry = input.history.find((candidate) => candidate.runId === input.state.against);
      matrix = buildRunMatrix(input.rows, earlier, block, ['This run', entry ? `Run of ${formatTime(entry.startedAt)}` : 'Earlier run']);
    } else {
      matrix = buildVariantMatrix(input.rows, block);
    }
    this.renderMatrix(matrix);
    this.renderDiff();
  }

  clearPicks(): void {
    this.picks = [];
    this.renderDiff();
    this.markPicks();
  }

  private renderControls(input: CompareInput, blocks: readonly { key: string; label: string }[], blockKey: string): void {
    const state = input.state;
    const blockSelect = h('select', { attrs: { 'aria-label': 'Block' } }, blocks.map((block) => option(block.key, block.label, block.key === blockKey)));
    if (blocks.length === 0) blockSelect.append(option('', '(no block)', true));
    blockSelect.addEventListener('change', () => this.callbacks.onStateChange({ ...state, block: blockSelect.value }));

    const earlier = input.history.filter((entry) => entry.runId !== input.currentRunId);
    const againstSelect = h('select', { attrs: { 'aria-label': 'Compare with' } }, [
      option('', 'Models and parameters', !state.against),
      ...earlier.map((entry) => option(entry.runId, `Earlier run: ${formatTime(entry.startedAt)} (${entry.total} requests)`, entry.runId === state.against)),
    ]);
    againstSelect.addEventListener('change', () => this.callbacks.onStateChange({ ...state, against: againstSelect.value || undefined }));

    const differing = h('input', { attrs: { type: 'checkbox', id: 'only-differing' } });
    differing.checked = state.onlyDiffering;
    differing.addEventListener('change', () => this.callbacks.onStateChange({ ...state, onlyDiffering: differing.checked }));

    setChildren(this.controls, [
      h('label', { className: 'control' }, [h('span', { text: 'Block' }), blockSelect]),
      h('label', { className: 'control' }, [h('span', { text: 'Columns' }), againstSelect]),
      h('label', { className: 'control checkbox' }, [differing, h('span', { text: 'Only rows whose answers differ' })]),
    ]);
  }

  private renderMatrix(matrix: CompareMatrix): void {
    const state = this.input?.state;
    const rows = state?.onlyDiffering ? matrix.rows.filter(rowDiffers) : matrix.rows;
    const shown = rows.slice(0, this.limit);
    const counts = columnPassCounts(matrix, rows);
    this.cellRows.clear();
    const table = h('table', { className: 'matrix' }, [
      h('thead', {}, [
        h('tr', {}, [
          ...matrix.variableNames.map((name) => h('th', { className: 'variable-heading', text: name, attrs: { scope: 'col' } })),
          ...matrix.columns.map((column, i) => {
            const count = counts[i];
            return h('th', { attrs: { scope: 'col' } }, [
              h('span', { text: column.label }),
              count !== undefined && count.scored > 0 && h('div', { className: `column-rate ${count.passed === count.scored ? 'all-passed' : 'some-failed'}`, text: formatPassCount(count) }),
            ]);
          }),
        ]),
      ]),
      h('tbody', {}, shown.map((row) => this.renderMatrixRow(matrix, row))),
    ]);
    const notes: HTMLElement[] = [];
    if (rows.length === 0) notes.push(h('p', { className: 'muted', text: state?.onlyDiffering ? 'Every row has the same answers.' : 'Nothing to compare in this block.' }));
    if (rows.length > shown.length) {
      notes.push(
        h('p', { className: 'muted' }, [
          h('span', { text: `Showing ${shown.length} of ${rows.length} rows. ` }),
          button('Show more', () => {
            this.limit += pageSize;
            if (this.input) this.render(this.input);
          }, { className: 'link' }),
        ]),
      );
    }
    this.hint.hidden = false;
    setChildren(this.matrixHost, [table, ...notes]);
  }

  private renderMatrixRow(matrix: CompareMatrix, row: MatrixRow): HTMLTableRowElement {
    const differs = rowDiffers(row);
    return h('tr', { className: differs ? 'differs' : '' }, [
      ...row.values.map((value) => h('th', { className: 'variable-value', text: value, attrs: { scope: 'row' } })),
      ...row.cells.map((cell, columnIndex) =>
        h(
          'td',
          {},
          cell.map((result) => {
            const label = `${row.values.join(', ') || result.id} · ${matrix.columns[columnIndex]?.label ?? ''}`;
            const text = comparableText(result);
            const checks = result.checks && (checksPassed(result.checks) ? 'pass' : 'fail');
            const element = h(
              'button',
              {
                className: `answer-cell status-${result.status}${checks ? ` checks-${checks}` : ''}${this.isPicked(result) ? ' picked' : ''}`,
                attrs: { type: 'button', 'aria-label': `Answer for ${label}${checks ? (checks === 'pass' ? ', passed its checks' : ', failed a check') : ''}` },
              },
              [
                checks && h('span', { className: 'cell-checks', text: checksText(result.checks), title: checks === 'pass' ? 'Every check passed' : 'Some check failed: open the detail for the reasons' }),
                document.createTextNode(text ?? (result.status === 'running' ? 'running…' : result.status)),
              ],
            );
            this.cellRows.set(element, result);
            element.addEventListener('click', () => this.togglePick({ row: result, label }));
            element.addEventListener('dblclick', () => this.callbacks.onOpen(result));
            return element;
          }),
        ),
      ),
    ]);
  }

  private isPicked(row: ResultRow): boolean {
    return this.picks.some((pick) => pick.row === row);
  }

  private togglePick(pick: Pick): void {
    const existing = this.picks.findIndex((candidate) => candidate.row === pick.row);
    if (existing !== -1) this.picks.splice(existing, 1);
    else {
      if (this.picks.length === 2) this.picks.shift();
      this.picks.push(pick);
    }
    this.markPicks();
    this.renderDiff();
  }

  private markPicks(): void {
    for (const [element, row] of this.cellRows) element.classList.toggle('picked', this.isPicked(row));
  }

  private renderDiff(): void {
    const [a, b] = this.picks;
    if (!a || !b) {
      setChildren(this.diffHost, a ? [h('p', { className: 'muted', text: `Picked: ${a.label}. Pick a second answer to compare.` })] : []);
      return;
    }
    const parts = wordDiff(comparableText(a.row) ?? '', comparableText(b.row) ?? '');
    const same = parts.every((part) => part.kind === 'same');
    setChildren(this.diffHost, [
      h('div', { className: 'diff-header' }, [
        h('span', { className: 'diff-label removed', text: `− ${a.label}` }),
        h('span', { className: 'diff-label added', text: `+ ${b.label}` }),
        button('Clear', () => this.clearPicks(), { className: 'link' }),
      ]),
      same
        ? h('p', { className: 'muted', text: 'The two answers are identical.' })
        : h('pre', { className: 'diff text-block' }, parts.map((part) => (part.kind === 'same' ? document.createTextNode(part.text) : h(part.kind === 'added' ? 'ins' : 'del', { text: part.text })))),
    ]);
  }
}

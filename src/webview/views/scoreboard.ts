/**
 * The scoreboard: which value of each swept axis wins, per block — the same
 * ranking the command line prints, sortable by pass rate, latency, tokens and
 * cost. A value is a link that narrows the table to its requests.
 */
import type { BlockScoreboard, ScoreboardRow } from '../protocol';
import type { AxisFilter, ScoreboardColumn, ScoreboardSort } from '../logic/checks';
import { sortScoreboardRows } from '../logic/checks';
import { formatCost, formatDuration, formatInteger } from '../logic/format';
import { button, h, setChildren } from '../dom';

export interface ScoreboardCallbacks {
  onSort(sort: ScoreboardSort | undefined): void;
  onPick(filter: AxisFilter): void;
}

const sortable: readonly [ScoreboardColumn, string, string][] = [
  ['passRate', 'Pass rate', 'share of answers that passed every check'],
  ['latency', 'Latency', 'mean latency of the answers'],
  ['tokens', 'Tokens', 'mean prompt + completion tokens'],
  ['cost', 'Cost', 'mean cost of an answer, when the model has a known price'],
];

/** Higher is better for the pass rate, lower for the rest: the first click puts the best on top. */
const bestFirst: Record<ScoreboardColumn, boolean> = { passRate: true, latency: false, tokens: false, cost: false };

export class ScoreboardView {
  readonly element: HTMLElement;
  private readonly body: HTMLDivElement;

  constructor(private readonly callbacks: ScoreboardCallbacks) {
    this.body = h('div', { className: 'scoreboard-body' });
    this.element = h('section', { className: 'scoreboard', attrs: { 'aria-label': 'Scoreboard' } }, [this.body]);
  }

  render(boards: readonly BlockScoreboard[], sort: ScoreboardSort | undefined): void {
    if (boards.length === 0) {
      setChildren(this.body, [h('p', { className: 'muted', text: 'No scoreboard: it ranks the values of blocks that sweep a model, a setting or a variable and have expect: lines.' })]);
      return;
    }
    setChildren(this.body, [
      h('p', { className: 'hint muted', text: 'Best first by pass rate, then latency, then tokens. Click a heading to sort, a value to see its requests in the table.' }),
      ...boards.map((board) =>
        h('div', { className: 'scoreboard-block' }, [
          h('h2', { className: 'scoreboard-title', text: board.block || '(no block)' }),
          ...board.axes.map(({ axis, rows }) => this.axisTable(board.block, axis, rows, sort)),
        ]),
      ),
    ]);
  }

  private axisTable(block: string, axis: string, rows: readonly ScoreboardRow[], sort: ScoreboardSort | undefined): HTMLElement {
    // A star only for a real winner: scored, and ahead of the runner-up on pass rate.
    const [first, second] = rows;
    const best = first && first.scored > 0 && (!second || second.scored === 0 || first.passRate > second.passRate) ? first : undefined;
    const header = h('tr', {}, [
      h('th', { className: 'axis-heading', text: axis, attrs: { scope: 'col' } }),
      ...sortable.map(([column, label, title]) => {
        const state = sort?.column === column ? (sort.descending ? 'descending' : 'ascending') : 'none';
        const next: ScoreboardSort | undefined =
          sort?.column !== column ? { column, descending: bestFirst[column] } : sort.descending === bestFirst[column] ? { column, descending: !sort.descending } : undefined;
        return h('th', { className: 'numeric', attrs: { scope: 'col', 'aria-sort': state } }, [
          button(label, () => this.callbacks.onSort(next), { className: 'sort-button', title: `Sort by ${title}` }),
        ]);
      }),
      h('th', { className: 'numeric', text: 'Failed', title: 'requests that got no answer (not scored)', attrs: { scope: 'col' } }),
    ]);
    const body = sortScoreboardRows(rows, sort).map((row) =>
      h('tr', { className: row === best && rows.length > 1 ? 'best' : '', title: row === best ? 'The best pass rate on this axis' : '' }, [
        h('th', { attrs: { scope: 'row' } }, [
          button(row.value, () => this.callbacks.onPick({ block, axis, value: row.value }), { className: 'link axis-value', title: `Show the requests with ${axis} = ${row.value}` }),
        ]),
        h('td', { className: 'numeric pass-rate' }, [passRateBar(row)]),
        h('td', { className: 'numeric', text: row.scored + row.errors === 0 || row.meanLatencyMs === 0 ? '–' : formatDuration(row.meanLatencyMs) }),
        h('td', { className: 'numeric', text: row.meanTokens === 0 ? '–' : formatInteger(Math.round(row.meanTokens)) }),
        h('td', { className: 'numeric', text: row.meanCostUsd === undefined ? '–' : formatCost(row.meanCostUsd) }),
        h('td', { className: `numeric${row.errors > 0 ? ' errors' : ''}`, text: formatInteger(row.errors) }),
      ]),
    );
    return h('table', { className: 'scoreboard-table', attrs: { 'aria-label': `${block || '(no block)'} · ${axis}` } }, [h('thead', {}, [header]), h('tbody', {}, body)]);
  }
}

function passRateBar(row: ScoreboardRow): HTMLElement {
  if (row.scored === 0) return h('span', { className: 'muted', text: '–' });
  const percent = Math.floor(row.passRate * 100);
  const fill = h('span', { className: 'rate-fill' });
  fill.style.width = `${percent}%`;
  return h('span', { className: 'rate' }, [
    h('span', { className: 'rate-bar', attrs: { 'aria-hidden': 'true' } }, [fill]),
    h('span', { className: 'rate-text', text: `${percent}%` }),
    h('span', { className: 'rate-count muted', text: `${row.passed}/${row.scored}` }),
  ]);
}

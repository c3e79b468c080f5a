/**
 * The results table: a virtualized grid with a fixed row height. Only the rows
 * in view (plus a small margin) exist in the DOM, and row elements are reused,
 * so ten thousand results scroll like ten.
 */
import type { ResultRow } from '../protocol';
import type { Column } from '../logic/columns';
import type { DisplayEntry, SortSpec } from '../logic/sortFilter';
import { h } from '../dom';

/** Must match `--row-height` in styles/base.css. */
export const rowHeight = 24;
const overscan = 8;

export interface TableCallbacks {
  onSelect(row: ResultRow): void;
  onOpen(row: ResultRow): void;
  onSort(columnKey: string): void;
  onToggleGroup(block: string): void;
}

interface Slot {
  readonly element: HTMLDivElement;
  entry?: DisplayEntry;
  columnsVersion: number;
  selected: boolean;
}

export class VirtualTable {
  readonly element: HTMLDivElement;
  private readonly header: HTMLDivElement;
  private readonly viewport: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private entries: readonly DisplayEntry[] = [];
  private columns: readonly Column[] = [];
  private columnsVersion = 0;
  private readonly slots: Slot[] = [];
  private selectedId: string | undefined;
  private framePending = false;

  constructor(private readonly callbacks: TableCallbacks) {
    this.header = h('div', { className: 'table-header', attrs: { role: 'row' } });
    this.spacer = h('div', { className: 'table-spacer', attrs: { role: 'rowgroup' } });
    this.empty = h('div', { className: 'table-empty', text: 'No results yet.' });
    this.viewport = h('div', { className: 'table-viewport' }, [this.header, this.spacer, this.empty]);
    this.element = h('div', { className: 'table', attrs: { role: 'grid', tabindex: '0', 'aria-label': 'Results' } }, [this.viewport]);
    this.viewport.addEventListener('scroll', () => this.scheduleWindow(), { passive: true });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    this.spacer.addEventListener('click', (event) => this.onClick(event, false));
    this.spacer.addEventListener('dblclick', (event) => this.onClick(event, true));
    this.header.addEventListener('click', (event) => {
      const key = (event.target as Element | null)?.closest<HTMLElement>('[data-column]')?.dataset['column'];
      if (key) this.callbacks.onSort(key);
    });
  }

  /** Shows `entries` under `columns`; cheap when only rows changed. */
  setData(entries: readonly DisplayEntry[], columns: readonly Column[], sort: SortSpec | undefined, emptyText: string): void {
    if (columns !== this.columns) {
      this.columns = columns;
      this.columnsVersion++;
      this.renderHeader(sort);
    } else this.updateSortMarkers(sort);
    this.entries = entries;
    this.element.setAttribute('aria-rowcount', String(entries.length + 1));
    this.spacer.style.height = `${entries.length * rowHeight}px`;
    this.empty.textContent = emptyText;
    this.empty.hidden = entries.length > 0;
    this.renderWindow();
  }

  setSelected(id: string | undefined, reveal: boolean): void {
    this.selectedId = id;
    if (reveal) this.revealSelected();
    this.renderWindow();
  }

  /** The rows in display order (group headers skipped). */
  visibleRows(): ResultRow[] {
    return this.entries.flatMap((entry) => (entry.kind === 'row' ? [entry.row] : []));
  }

  focus(): void {
    this.element.focus();
  }

  private renderHeader(sort: SortSpec | undefined): void {
    const template = this.columns.map((column) => (column.key === 'answer' ? `minmax(${column.minWidth}px, 1fr)` : column.key === 'id' ? `minmax(${column.minWidth}px, 0.4fr)` : `${column.minWidth}px`));
    this.element.style.setProperty('--columns', template.join(' '));
    this.element.style.setProperty('--min-width', `${this.columns.reduce((sum, column) => sum + column.minWidth, 0)}px`);
    this.header.replaceChildren(
      ...this.columns.map((column) =>
        h('div', { className: `cell header-cell${column.numeric ? ' numeric' : ''}`, attrs: { role: 'columnheader', 'data-column': column.key } }, [
          h('button', { className: 'sort-button', text: column.label, title: `Sort by ${column.label}`, attrs: { type: 'button', tabindex: '-1' } }),
        ]),
      ),
    );
    for (const slot of this.slots) slot.columnsVersion = -1;
    this.updateSortMarkers(sort);
  }

  private updateSortMarkers(sort: SortSpec | undefined): void {
    for (const cell of this.header.children) {
      const key = (cell as HTMLElement).dataset['column'];
      const state = sort && sort.column === key ? (sort.descending ? 'descending' : 'ascending') : 'none';
      if (cell.getAttribute('aria-sort') !== state) cell.setAttribute('aria-sort', state);
    }
  }

  private scheduleWindow(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => {
      this.framePending = false;
      this.renderWindow();
    });
  }

  private renderWindow(): void {
    const scrollTop = Math.max(0, this.viewport.scrollTop - rowHeight);
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
    const last = Math.min(this.entries.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
    const count = Math.max(0, last - first);
    while (this.slots.length < count) {
      const element = h('div', { className: 'row', attrs: { role: 'row' } });
      this.spacer.append(element);
      this.slots.push({ element, columnsVersion: -1, selected: false });
    }
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      const position = first + i;
      const entry = i < count ? this.entries[position] : undefined;
      if (!entry) {
        slot.element.hidden = true;
        slot.entry = undefined;
        continue;
      }
      slot.element.hidden = false;
      slot.element.style.transform = `translateY(${position * rowHeight}px)`;
      slot.element.setAttribute('aria-rowindex', String(position + 2));
      const selected = entry.kind === 'row' && entry.row.id === this.selectedId;
      if (slot.entry === entry && slot.columnsVersion === this.columnsVersion && slot.selected === selected) continue;
      this.fillSlot(slot, entry, selected);
    }
  }

  private fillSlot(slot: Slot, entry: DisplayEntry, selected: boolean): void {
    const element = slot.element;
    slot.entry = entry;
    slot.columnsVersion = this.columnsVersion;
    slot.selected = selected;
    if (entry.kind === 'group') {
      element.className = 'row group-row';
      element.dataset['block'] = entry.block;
      delete element.dataset['id'];
      element.removeAttribute('aria-selected');
      const summary = `${entry.count} request${entry.count === 1 ? '' : 's'}${entry.failed ? ` · ${entry.failed} failed` : ''}`;
      element.replaceChildren(
        h('div', { className: 'cell group-cell', attrs: { role: 'gridcell', 'aria-expanded': String(!entry.collapsed) } }, [
          h('span', { className: `twistie${entry.collapsed ? ' collapsed' : ''}`, attrs: { 'aria-hidden': 'true' } }),
          h('span', { className: 'group-name', text: entry.block || '(no block)' }),
          h('span', { className: 'group-count', text: summary }),
        ]),
      );
      return;
    }
    const row = entry.row;
    const checks = row.checks ? (row.checks.passed === row.checks.total ? ' checks-pass' : ' checks-fail') : '';
    element.className = `row status-${row.status}${checks}${selected ? ' selected' : ''}`;
    element.dataset['id'] = row.id;
    delete element.dataset['block'];
    element.setAttribute('aria-selected', String(selected));
    // Cells are reused when the column set is unchanged: only their text is rewritten.
    if (element.childElementCount !== this.columns.length || element.firstElementChild?.classList.contains('group-cell')) {
      element.replaceChildren(...this.columns.map((column) => h('div', { className: `cell col-${column.key.replace(/[^a-z]/gi, '')}${column.numeric ? ' numeric' : ''}`, attrs: { role: 'gridcell' } })));
    }
    this.columns.forEach((column, i) => {
      const cell = element.children[i] as HTMLElement;
      const text = column.text(row);
      if (cell.textContent !== text) cell.textContent = text;
      const title = column.key === 'answer' || column.key === 'id' ? text : '';
      if (cell.title !== title) cell.title = title;
    });
  }

  private onClick(event: MouseEvent, open: boolean): void {
    const rowElement = (event.target as Element | null)?.closest<HTMLElement>('.row');
    if (!rowElement) return;
    const block = rowElement.dataset['block'];
    if (block !== undefined) {
      this.callbacks.onToggleGroup(block);
      return;
    }
    const row = this.rowById(rowElement.dataset['id']);
    if (!row) return;
    this.callbacks.onSelect(row);
    if (open) this.callbacks.onOpen(row);
  }

  private rowById(id: string | undefined): ResultRow | undefined {
    if (id === undefined) return undefined;
    for (const entry of this.entries) if (entry.kind === 'row' && entry.row.id === id) return entry.row;
    return undefined;
  }

  private selectedPosition(): number {
    return this.entries.findIndex((entry) => entry.kind === 'row' && entry.row.id === this.selectedId);
  }

  private onKey(event: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.viewport.clientHeight / rowHeight) - 1);
    const steps: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
    const step = steps[event.key];
    if (step !== undefined) {
      event.preventDefault();
      this.moveSelection(step);
      return;
    }
    if (event.key === 'Enter') {
      const position = this.selectedPosition();
      const entry = this.entries[position];
      if (entry?.kind === 'row') {
        event.preventDefault();
        this.callbacks.onOpen(entry.row);
      }
    }
  }

  private moveSelection(step: number): void {
    if (this.entries.length === 0) return;
    const current = this.selectedPosition();
    let target = !Number.isFinite(step) ? (step < 0 ? 0 : this.entries.length - 1) : current === -1 ? 0 : current + step;
    target = Math.max(0, Math.min(this.entries.length - 1, target));
    // Group headers are skipped in the direction of travel.
    const direction = step < 0 ? -1 : 1;
    while (this.entries[target]?.kind === 'group') {
      const next = target + direction;
      if (next < 0 || next >= this.entries.length) break;
      target = next;
    }
    const entry = this.entries[target];
    if (entry?.kind !== 'row') return;
    this.selectedId = entry.row.id;
    this.revealSelected();
    this.callbacks.onSelect(entry.row);
    this.renderWindow();
  }

  private revealSelected(): void {
    const position = this.selectedPosition();
    if (position === -1) return;
    const top = (position + 1) * rowHeight;
    const view = this.viewport;
    if (top - rowHeight < view.scrollTop) view.scrollTop = top - rowHeight;
    else if (top + rowHeight > view.scrollTop + view.clientHeight) view.scrollTop = top + rowHeight - view.clientHeight;
  }
}

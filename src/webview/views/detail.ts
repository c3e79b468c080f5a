/** The detail of one request: everything sent and received, with copy buttons. */
import type { CopyPart, DetailCheck, ResultRow, RowDetail } from '../protocol';
import { button, h, setChildren } from '../dom';
import { formatDuration, formatInteger } from '../logic/format';
import { statusLabels } from '../logic/columns';
import { checksPassed, checksText } from '../logic/checks';

export interface DetailCallbacks {
  onClose(): void;
  onCopy(part: CopyPart): void;
  onReveal(): void;
  onRerun(): void;
  /** Shows the `expect:` line of the check at this position of the detail's list. */
  onRevealCheck(index: number): void;
}

export class DetailView {
  readonly element: HTMLElement;
  private readonly body: HTMLDivElement;
  private readonly title: HTMLHeadingElement;
  private readonly actions: HTMLDivElement;

  constructor(private readonly callbacks: DetailCallbacks) {
    this.title = h('h2', { className: 'detail-title' });
    this.actions = h('div', { className: 'detail-actions' });
    this.body = h('div', { className: 'detail-body' });
    this.element = h('section', { className: 'detail', attrs: { 'aria-label': 'Request detail', tabindex: '-1' } }, [
      h('header', { className: 'detail-header' }, [this.title, this.actions]),
      this.body,
    ]);
    // Escape is handled for the whole page by the app.
    this.element.hidden = true;
  }

  /** Shows what the table already knows while the full detail is on its way. */
  showRow(row: ResultRow, canRun: boolean): void {
    this.renderHeader(row, canRun, false);
    setChildren(this.body, [
      this.meta(row, undefined),
      row.status === 'failed' ? this.section('Error', row.error ?? '', 'error') : this.section('Answer', row.answer ?? '', 'answer'),
      h('p', { className: 'muted', text: 'Loading…' }),
    ]);
  }

  show(row: ResultRow, detail: RowDetail, canRun: boolean): void {
    this.renderHeader(row, canRun, detail.hasSource);
    const messages = h(
      'div',
      { className: 'messages' },
      detail.messages.map((message) =>
        h('div', { className: `message role-${message.role.replace(/[^a-z]/gi, '')}` }, [h('div', { className: 'message-role', text: message.role }), h('pre', { className: 'message-content', text: message.content })]),
      ),
    );
    const scored = detail.checks !== undefined && detail.checks.length > 0;
    const answer = detail.answer !== undefined && this.section('Answer', detail.answer, 'answer');
    setChildren(this.body, [
      // The verdict comes first, with the answer it judged: they are what a scored run is read for.
      scored && this.checks(detail.checks!),
      scored && answer,
      this.meta(row, detail),
      detail.error !== undefined && this.section('Error', detail.error, 'error'),
      !scored && answer,
      this.sectionWith('Messages', messages, 'messages'),
      this.collapsible('Request JSON', detail.requestJson, 'request'),
      detail.responseJson !== undefined && this.collapsible(detail.error !== undefined ? 'Error JSON' : 'Response JSON', detail.responseJson, 'response'),
    ]);
  }

  private renderHeader(row: ResultRow, canRun: boolean, hasSource: boolean): void {
    setChildren(this.title, [
      h('span', { text: row.id }),
      h('span', { className: `badge status-${row.status}`, text: statusLabels[row.status] }),
      row.checks && h('span', { className: `badge checks-${checksPassed(row.checks) ? 'pass' : 'fail'}`, text: checksText(row.checks), title: 'Checks passed' }),
    ]);
    const rerun = button('Re-run', () => this.callbacks.onRerun(), { title: 'Send this request again, bypassing the cache' });
    rerun.disabled = !canRun || row.status === 'running';
    const reveal = button('Reveal in editor', () => this.callbacks.onReveal(), { title: 'Show where this request is written' });
    reveal.disabled = !hasSource;
    setChildren(this.actions, [reveal, rerun, button('Close', () => this.callbacks.onClose(), { title: 'Close (Esc)', className: 'secondary' })]);
  }

  private meta(row: ResultRow, detail: RowDetail | undefined): HTMLElement {
    const pairs: [string, string | undefined][] = [
      ['Model', row.model],
      ['Block', row.block],
      // Swept parameters appear among the variables too; each name is listed once.
      ...Object.entries(row.variables)
        .filter(([name]) => name !== 'model')
        .map(([name, value]): [string, string] => [name, value]),
      ...Object.entries(detail?.parameters ?? row.parameters)
        .filter(([name]) => !(name in row.variables))
        .map(([name, value]): [string, string] => [name, value]),
      ['Finish reason', detail?.finishReason ?? row.finishReason],
      ['Tokens', detail?.usage ? `${formatInteger(detail.usage.promptTokens)} prompt + ${formatInteger(detail.usage.completionTokens)} completion = ${formatInteger(detail.usage.totalTokens)}` : undefined],
      ['Attempts', (detail?.attempts ?? row.attempts)?.toString()],
      ['Latency', row.latencyMs === undefined ? undefined : formatDuration(row.latencyMs)],
      ['HTTP status', detail?.statusCode?.toString()],
      ['Request id', detail?.requestId],
      ['Cached', detail?.cached === undefined || detail.via === 'batch' ? undefined : detail.cached ? 'yes' : 'no'],
      ['Answered by', detail?.via === 'batch' ? 'a batch job (Batch API)' : undefined],
    ];
    return h(
      'dl',
      { className: 'meta' },
      pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== '').flatMap(([name, value]) => [h('dt', { text: name }), h('dd', { text: value })]),
    );
  }

  /** Failed checks first would reorder the lines as written; the order is kept and failures stand out instead. */
  private checks(checks: readonly DetailCheck[]): HTMLElement {
    const passed = checks.filter((check) => check.pass).length;
    const list = h(
      'ol',
      { className: 'checks' },
      checks.map((check, index) => {
        const state = check.error ? 'error' : check.pass ? 'pass' : 'fail';
        const label = `expect: ${check.check}`;
        const name = check.hasSource
          ? button(label, () => this.callbacks.onRevealCheck(index), { className: 'link check-name', title: 'Show this expect: line in the editor' })
          : h('span', { className: 'check-name', text: label });
        return h('li', { className: `check check-${state}` }, [
          h('span', { className: 'check-mark', text: check.error ? '⚠' : check.pass ? '✓' : '✗', attrs: { 'aria-label': check.error ? 'error' : check.pass ? 'passed' : 'failed' } }),
          h('div', { className: 'check-body' }, [name, h('div', { className: 'check-reason', text: check.reason })]),
        ]);
      }),
    );
    return h('div', { className: 'detail-section' }, [
      h('div', { className: 'section-header' }, [h('h3', { text: `Checks · ${passed}/${checks.length} passed` })]),
      list,
    ]);
  }

  private section(title: string, text: string, part: CopyPart): HTMLElement {
    return this.sectionWith(title, h('pre', { className: `text-block ${part}-text`, text }), part);
  }

  private sectionWith(title: string, content: HTMLElement, part: CopyPart): HTMLElement {
    return h('div', { className: 'detail-section' }, [
      h('div', { className: 'section-header' }, [h('h3', { text: title }), button('Copy', () => this.callbacks.onCopy(part), { className: 'link', title: `Copy ${title.toLowerCase()}` })]),
      content,
    ]);
  }

  private collapsible(title: string, json: string, part: CopyPart): HTMLElement {
    return h('details', { className: 'detail-section' }, [
      h('summary', {}, [h('span', { text: title }), button('Copy', (event) => {
        event.preventDefault();
        this.callbacks.onCopy(part);
      }, { className: 'link' })]),
      h('pre', { className: 'text-block json', text: json }),
    ]);
  }
}

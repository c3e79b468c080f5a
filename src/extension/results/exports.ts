/**
 * Results as files: CSV (RFC 4180, safe to open in a spreadsheet), Markdown
 * and JSONL. Cells hold model output, which is untrusted: CSV cells that a
 * spreadsheet would run as a formula are defused, Markdown cells cannot break
 * out of their table or inject HTML.
 */
import type { ExportFormat, ResultRow } from '../../webview/protocol';
import { sweptParameterNames, variableNames } from '../../webview/logic/columns';

interface ExportColumn {
  readonly name: string;
  value(row: ResultRow): string | number | undefined;
}

const fixedNames = new Set(['id', 'block', 'model', 'status', 'latency_ms', 'attempts', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'finish_reason', 'answer', 'error']);

/** The columns of an export: identity, every variable, the parameters that vary, then results. */
export function exportColumns(rows: readonly ResultRow[]): ExportColumn[] {
  // A swept model is already the model column.
  const variables = variableNames(rows).filter((name) => name !== 'model');
  const parameters = sweptParameterNames(rows).filter((name) => !variables.includes(name));
  // A swept value named like a result field keeps its own column.
  const header = (name: string) => (fixedNames.has(name) ? `var.${name}` : name);
  return [
    { name: 'id', value: (row) => row.id },
    { name: 'block', value: (row) => row.block },
    { name: 'model', value: (row) => row.model },
    ...variables.map((name): ExportColumn => ({ name: header(name), value: (row) => row.variables[name] })),
    ...parameters.map((name): ExportColumn => ({ name: header(name), value: (row) => row.parameters[name] })),
    { name: 'status', value: (row) => row.status },
    { name: 'latency_ms', value: (row) => (row.latencyMs === undefined ? undefined : Math.round(row.latencyMs)) },
    { name: 'attempts', value: (row) => row.attempts },
    { name: 'prompt_tokens', value: (row) => row.promptTokens },
    { name: 'completion_tokens', value: (row) => row.completionTokens },
    { name: 'cost_usd', value: (row) => row.costUsd },
    { name: 'finish_reason', value: (row) => row.finishReason },
    { name: 'answer', value: (row) => row.answer },
    { name: 'error', value: (row) => row.error },
  ];
}

/**
 * One CSV field. Text starting with `=`, `+`, `-`, `@`, tab or carriage return
 * gets a leading `'` so spreadsheets show it instead of evaluating it; numbers
 * are written as numbers.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: CRLF between records, a header record first. */
export function toCsv(rows: readonly ResultRow[]): string {
  const columns = exportColumns(rows);
  const lines = [columns.map((column) => csvField(column.name)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvField(column.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** One Markdown table cell: pipes escaped, HTML neutralised, line breaks kept as `<br>`. */
export function markdownCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  return String(value)
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n|\r/g, '<br>');
}

export function toMarkdown(rows: readonly ResultRow[], title?: string): string {
  const columns = exportColumns(rows);
  const lines: string[] = [];
  if (title) lines.push(`# ${markdownCell(title)}`, '');
  lines.push(`| ${columns.map((column) => markdownCell(column.name)).join(' | ')} |`);
  lines.push(`| ${columns.map(() => '---').join(' | ')} |`);
  for (const row of rows) lines.push(`| ${columns.map((column) => markdownCell(column.value(row))).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

/** One JSON object per line: identity, `variables`, `parameters`, then the result fields. */
export function toJsonl(rows: readonly ResultRow[]): string {
  return rows
    .map((row) => {
      const record = {
        id: row.id,
        block: row.block,
        model: row.model,
        variables: row.variables,
        parameters: row.parameters,
        status: row.status,
        latency_ms: row.latencyMs === undefined ? undefined : Math.round(row.latencyMs),
        attempts: row.attempts,
        prompt_tokens: row.promptTokens,
        completion_tokens: row.completionTokens,
        cost_usd: row.costUsd,
        finish_reason: row.finishReason,
        answer: row.answer,
        error: row.error,
      };
      return `${JSON.stringify(record)}\n`;
    })
    .join('');
}

export function exportText(format: ExportFormat, rows: readonly ResultRow[], title?: string): string {
  if (format === 'csv') return toCsv(rows);
  if (format === 'markdown') return toMarkdown(rows, title);
  return toJsonl(rows);
}

export const exportExtensions: Record<ExportFormat, { readonly extension: string; readonly label: string }> = {
  csv: { extension: 'csv', label: 'CSV' },
  markdown: { extension: 'md', label: 'Markdown' },
  jsonl: { extension: 'jsonl', label: 'JSON Lines' },
};

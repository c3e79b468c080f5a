/** Display formatting shared by the table, the summary strip and exports. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatInteger(value: number): string {
  return integer.format(value);
}

/** `950`, `12.3k`, `4.1M`: short enough for a table cell. */
export function formatCompact(value: number): string {
  const abs = Math.abs(value);
  if (abs < 1000) return integer.format(value);
  if (abs < 1_000_000) return `${trimZero((value / 1000).toFixed(abs < 10_000 ? 1 : 0))}k`;
  return `${trimZero((value / 1_000_000).toFixed(1))}M`;
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** `340 ms`, `1.2 s`, `3 min 4 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes < 60) return `${minutes} min ${seconds} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Dollars with enough digits that cheap requests do not all show as $0.00. */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(3)}`;
  if (usd < 0.000001) return '<$0.000001';
  // Two significant digits without trailing zeros; below 1e-6 String() would switch to exponents.
  return `$${String(Number(usd.toPrecision(2)))}`;
}

/** The start of an answer on one line: line breaks shown as ⏎ so the table keeps a fixed row height. */
export function answerPreview(text: string | undefined, maxLength = 240): string {
  if (!text) return '';
  const head = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  return head.trim().replace(/\s*\r?\n\s*/g, ' ⏎ ');
}

export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * Command line of `npm run bench`: which scenarios, how many runs, and whether
 * the results go into BENCHMARKS.md.
 */
import { parseArgs } from 'node:util';

export const scenarioNames = ['latency', 'cpu', 'peers', 'scale', 'parse', 'faults', 'webview', 'rateLimits', 'expect'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export const benchUsage = `Usage: npm run bench -- [scenario …] [options]

Scenarios (default: all, in this order): ${scenarioNames.join(', ')}

Options:
  --quick            small batches and one run each, for smoke tests; writes nothing
                     unless --write is given
  --runs N           runs per measurement, the median is reported (default 3)
  --write            write BENCHMARKS.md (the default without --quick)
  --no-write         print the table only
  --wait-idle MIN    first wait up to MIN minutes for the 1-minute load average
                     to drop below --max-load (default 0: start at once)
  --max-load L       load average counted as idle (default 1.5)
  --output FILE      where the report goes (default BENCHMARKS.md)
  -h, --help         show this help`;

export interface BenchOptions {
  readonly scenarios: readonly ScenarioName[];
  readonly quick: boolean;
  readonly runs: number;
  readonly write: boolean;
  readonly waitIdleMinutes: number;
  readonly maxLoad: number;
  readonly output: string;
}

export type BenchCommand = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: BenchOptions };

export class BenchUsageError extends Error {}

function isScenario(name: string): name is ScenarioName {
  return (scenarioNames as readonly string[]).includes(name);
}

function positiveNumber(flag: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || (integer && (!Number.isInteger(value) || value < 1))) {
    throw new BenchUsageError(`--${flag} must be ${integer ? 'a whole number ≥ 1' : 'a number ≥ 0'} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

export function parseBenchArgs(argv: readonly string[]): BenchCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        quick: { type: 'boolean' },
        runs: { type: 'string' },
        write: { type: 'boolean' },
        'no-write': { type: 'boolean' },
        'wait-idle': { type: 'string' },
        'max-load': { type: 'string' },
        output: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const unknown = positionals.filter((name) => !isScenario(name));
  if (unknown.length > 0) throw new BenchUsageError(`unknown scenario ${JSON.stringify(unknown[0])}; choose from ${scenarioNames.join(', ')}`);
  if (values.write && values['no-write']) throw new BenchUsageError('--write and --no-write cannot be used together');
  const quick = values.quick ?? false;
  const chosen = new Set(positionals);
  return {
    kind: 'run',
    options: {
      // Always in the canonical order, so a report reads the same however it was asked for.
      scenarios: chosen.size === 0 ? scenarioNames : scenarioNames.filter((name) => chosen.has(name)),
      quick,
      runs: positiveNumber('runs', values.runs, quick ? 1 : 3, true),
      write: values.write ?? (values['no-write'] ? false : !quick),
      waitIdleMinutes: positiveNumber('wait-idle', values['wait-idle'], 0, false),
      maxLoad: positiveNumber('max-load', values['max-load'], 1.5, false),
      output: values.output ?? 'BENCHMARKS.md',
    },
  };
}

/**
 * Running batch clients — the floor, the llmbatch CLI, peers — as separate
 * processes against one server, runs interleaved so that a slow spell on the
 * machine hurts every client alike, and checking every results file.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRun } from '../processes/measureProcess';
import { assertExited, measureProcess } from '../processes/measureProcess';
import type { OutputCheck } from '../data/verifyOutput';
import { allAnswered, verifyOutputFile } from '../data/verifyOutput';
import type { Summary } from '../report/stats';
import { summarize } from '../report/stats';

export interface ClientSpec {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Run it on a pseudo-terminal, as a person would (progress bars show). */
  readonly terminal?: boolean;
  /** The results file it writes in the Batch output shape; checked after every run. */
  readonly outFile?: string;
  /** Runs before every run, e.g. to start from an empty cache. */
  readonly prepare?: () => void;
  /** Exit codes that still mean the batch ran (llmbatch exits 1 when some requests failed). */
  readonly okExitCodes?: readonly number[];
}

export interface ClientResult {
  readonly spec: ClientSpec;
  readonly runs: ProcessRun[];
  readonly checks: OutputCheck[];
  readonly wall: Summary;
  /** Median peak RSS in bytes, when known. */
  readonly peakRss?: Summary;
}

/** The environment clients run in: no real key or endpoint leaks in from the shell. */
export function clientEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'NODE_OPTIONS', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

export interface BatchClientOptions {
  readonly root: string;
  readonly input: string;
  readonly baseUrl: string;
  readonly concurrency: number;
  readonly out: string;
}

export function floorSpec(options: BatchClientOptions, label = 'floor (fetch worker pool)'): ClientSpec {
  const { root, input, baseUrl, concurrency, out } = options;
  return {
    label,
    command: process.execPath,
    args: [join(root, 'dist', 'bench', 'clients', 'floorClient.js'), input, '--api-base', baseUrl, '--concurrency', String(concurrency), '--out', out],
    env: clientEnv(),
    outFile: out,
  };
}

export interface LlmbatchSpecOptions extends BatchClientOptions {
  readonly label?: string;
  /** A folder emptied before every run, or `off` for `--no-cache`. */
  readonly cache: string | 'off';
  readonly terminal?: boolean;
  readonly extraArgs?: readonly string[];
  /** The Node that runs it; the running one by default. */
  readonly node?: string;
}

export function llmbatchSpec(options: LlmbatchSpecOptions): ClientSpec {
  const { root, input, baseUrl, concurrency, out, cache } = options;
  const cacheArgs = cache === 'off' ? ['--no-cache'] : ['--cache-dir', cache];
  return {
    label: options.label ?? 'llmbatch run',
    command: options.node ?? process.execPath,
    args: [join(root, 'dist', 'cli.js'), 'run', input, '--api-base', baseUrl, '--concurrency', String(concurrency), ...cacheArgs, '--out', out, ...(options.extraArgs ?? [])],
    env: clientEnv(),
    terminal: options.terminal ?? false,
    outFile: out,
    okExitCodes: [0, 1],
    ...(cache !== 'off' && { prepare: () => rmSync(cache, { recursive: true, force: true }) }),
  };
}

export interface SdkSpecOptions extends BatchClientOptions {
  readonly label: string;
  /** The Node that runs it. */
  readonly node: string;
  /** Folder holding `openai` and `p-limit`. */
  readonly packages: string;
}

export function openaiSdkSpec(options: SdkSpecOptions): ClientSpec {
  const { root, input, baseUrl, concurrency, out } = options;
  const guard = join(root, 'dist', 'bench', 'clients', 'loopbackGuard.js');
  return {
    label: options.label,
    command: options.node,
    args: ['--require', guard, join(root, 'dist', 'bench', 'clients', 'openaiSdkClient.js'), input, '--packages', options.packages, '--api-base', baseUrl, '--concurrency', String(concurrency), '--out', out],
    env: clientEnv(),
    outFile: out,
  };
}

export interface RunClientsOptions {
  readonly runs: number;
  /** Requests in the batch, for checking results files. */
  readonly count: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Runs before each run of each client, e.g. to reset the server's counters. */
  readonly beforeRun?: (spec: ClientSpec) => Promise<void>;
  /** Runs after each run, with its check (undefined when the client writes no checkable file). */
  readonly afterRun?: (spec: ClientSpec, run: ProcessRun, check: OutputCheck | undefined) => Promise<void>;
  /** When false, a results file with failed or wrong lines is reported instead of thrown. Default true. */
  readonly requireAllAnswered?: boolean;
}

/** Runs every client `runs` times, round-robin, and checks each run's results. */
export async function runClients(specs: readonly ClientSpec[], options: RunClientsOptions): Promise<ClientResult[]> {
  const collected = specs.map(() => ({ runs: [] as ProcessRun[], checks: [] as OutputCheck[] }));
  for (let round = 0; round < options.runs; round++) {
    for (const [at, spec] of specs.entries()) {
      spec.prepare?.();
      if (spec.outFile) rmSync(spec.outFile, { force: true });
      await options.beforeRun?.(spec);
      const run = await measureProcess(spec.command, spec.args, { env: spec.env, terminal: spec.terminal, timeoutMs: options.timeoutMs });
      assertExited(run, spec.label, spec.okExitCodes);
      let check: OutputCheck | undefined;
      if (spec.outFile) {
        check = await verifyOutputFile(spec.outFile, options.count);
        if ((options.requireAllAnswered ?? true) && !allAnswered(check, options.count)) {
          throw new Error(`${spec.label} did not answer every request correctly: ${JSON.stringify(check)}`);
        }
        collected[at]!.checks.push(check);
      }
      collected[at]!.runs.push(run);
      await options.afterRun?.(spec, run, check);
      options.log(`  ${spec.label}: ${(run.wallMs / 1000).toFixed(2)} s${run.peakRssBytes ? `, peak RSS ${Math.round(run.peakRssBytes / 1024 / 1024)} MiB` : ''}`);
    }
  }
  return specs.map((spec, at) => {
    const { runs, checks } = collected[at]!;
    const rss = runs.flatMap((run) => (run.peakRssBytes === undefined ? [] : [run.peakRssBytes]));
    return { spec, runs, checks, wall: summarize(runs.map((run) => run.wallMs)), ...(rss.length > 0 && { peakRss: summarize(rss) }) };
  });
}

/** What each scenario hands to the report: a table, the targets it checked, and notes. */
import type { ScenarioName } from '../benchOptions';
import type { MachineFacts } from './machine';

export interface TargetCheck {
  /** What was measured, e.g. `llmbatch vs floor throughput (100 ms)`. */
  readonly measure: string;
  readonly result: string;
  readonly target: string;
  /** Undefined when it could not be measured (a peer that did not install, say). */
  readonly met: boolean | undefined;
}

export interface ScenarioReport {
  readonly name: ScenarioName;
  readonly title: string;
  /** One paragraph: batch, server, concurrency, what runs how. */
  readonly setup: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly targets: readonly TargetCheck[];
  readonly notes: readonly string[];
  readonly measuredAt: string;
  readonly machine: MachineFacts;
  /** 1-minute load average when the scenario started and ended. */
  readonly load: { readonly before: number; readonly after: number };
  readonly runs: number;
  readonly quick: boolean;
}

/** A scenario's settings as chosen by `--quick` and `--runs`. */
export interface ScenarioContext {
  readonly quick: boolean;
  readonly runs: number;
  /** Project root: where `dist/`, `.bench-peers/` and the report live. */
  readonly root: string;
  /** Scratch folder of this invocation, removed at the end. */
  readonly workDir: string;
  readonly log: (line: string) => void;
}

/** Builds a report with the bookkeeping fields filled in. */
export type ScenarioBody = Omit<ScenarioReport, 'name' | 'measuredAt' | 'machine' | 'load' | 'runs' | 'quick'>;

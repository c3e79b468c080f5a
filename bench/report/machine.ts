/** The facts of the machine a measurement was taken on, and waiting for it to be quiet. */
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineFacts {
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly os: string;
  readonly memoryGiB: number;
}

export function machineFacts(): MachineFacts {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
  };
}

export function describeMachine(facts: MachineFacts): string {
  return `${facts.cores} cores (${facts.cpuModel}), ${facts.memoryGiB} GiB, Node ${facts.node}, ${facts.os}`;
}

/** The 1-minute load average. */
export function currentLoad(): number {
  return loadavg()[0] ?? 0;
}

export interface WaitOptions {
  readonly maxLoad: number;
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
  readonly load?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Waits until the load drops below `maxLoad` or the time runs out; resolves with whether it did. */
export async function waitForLowLoad(options: WaitOptions): Promise<boolean> {
  const load = options.load ?? currentLoad;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollMs = options.pollMs ?? 30_000;
  const polls = Math.ceil(options.timeoutMs / pollMs);
  for (let poll = 0; poll <= polls; poll++) {
    const now = load();
    if (now < options.maxLoad) return true;
    if (poll === polls) break;
    options.log?.(`load average ${now.toFixed(2)} ≥ ${options.maxLoad}; waiting (${Math.round(((polls - poll) * pollMs) / 60_000)} min left)`);
    await sleep(pollMs);
  }
  return false;
}

/**
 * Turns batch items into Batch API input files, split so that no file is over
 * the API's limits: at most 50 000 requests and 200 MB per job.
 */
import type { BatchItem } from '../models';
import { toBatchInputLine } from '../batchFile/batchJsonl';
import { buildRequestBody } from '../providers/provider';

export interface JobLimits {
  /** Requests in one job. The Batch API accepts at most 50 000. */
  readonly maxRequests: number;
  /** Bytes of one input file (UTF-8, newlines included). The Batch API accepts at most 200 MB. */
  readonly maxBytes: number;
}

export const batchApiLimits: JobLimits = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 };

/** One job's worth of input. */
export interface JobInput {
  readonly items: readonly BatchItem[];
  /** The JSONL to upload: one line per item, each ending in a newline. */
  readonly jsonl: string;
  readonly bytes: number;
}

/** Why items cannot go to the Batch API (a request too large, ids used twice, `stream: true`). */
export class JobInputError extends Error {
  constructor(
    message: string,
    readonly itemId?: string,
  ) {
    super(message);
    this.name = 'JobInputError';
  }
}

/**
 * Splits `items` into as few jobs as the limits allow, keeping their order.
 * Throws `JobInputError` for an item that can never be sent this way.
 */
export function splitIntoJobs(items: readonly BatchItem[], limits: JobLimits = batchApiLimits): JobInput[] {
  if (!(limits.maxRequests >= 1) || !(limits.maxBytes >= 1)) throw new RangeError('job limits must be at least 1');
  const jobs: JobInput[] = [];
  const seen = new Set<string>();
  let current: BatchItem[] = [];
  let lines: string[] = [];
  let bytes = 0;
  const close = () => {
    if (current.length === 0) return;
    jobs.push({ items: current, jsonl: lines.join(''), bytes });
    current = [];
    lines = [];
    bytes = 0;
  };
  for (const item of items) {
    // The Batch API matches answers to requests by custom_id alone.
    if (seen.has(item.id)) throw new JobInputError(`request id ${JSON.stringify(item.id)} is used twice; batch jobs need unique ids`, item.id);
    seen.add(item.id);
    try {
      buildRequestBody(item.request);
    } catch (error) {
      throw new JobInputError(`${item.id}: ${error instanceof Error ? error.message : String(error)}`, item.id);
    }
    const line = `${toBatchInputLine(item)}\n`;
    const size = Buffer.byteLength(line);
    if (size > limits.maxBytes) throw new JobInputError(`${item.id}: the request is ${size} bytes, over the ${limits.maxBytes}-byte limit of one batch input file`, item.id);
    if (current.length >= limits.maxRequests || bytes + size > limits.maxBytes) close();
    current.push(item);
    lines.push(line);
    bytes += size;
  }
  close();
  return jobs;
}

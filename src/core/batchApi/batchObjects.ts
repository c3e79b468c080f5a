/**
 * The objects the OpenAI Files and Batches APIs answer with, validated just
 * enough to be relied on. Unknown fields are kept, and a status this code does
 * not know is passed through as the server wrote it.
 */
import { z } from 'zod';

/** Every status the Batch API documents, in the order a job usually passes through them. */
export const batchStatuses = ['validating', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelling', 'cancelled'] as const;
export type KnownBatchStatus = (typeof batchStatuses)[number];

const terminal = new Set<string>(['completed', 'failed', 'expired', 'cancelled']);

/** Whether a job in this status will not change any more (its files, if any, are final). */
export function isTerminalStatus(status: string): boolean {
  return terminal.has(status);
}

export const batchRequestCountsSchema = z.looseObject({
  total: z.number(),
  completed: z.number(),
  failed: z.number(),
});
export type BatchRequestCounts = z.infer<typeof batchRequestCountsSchema>;

const batchErrorSchema = z.looseObject({
  code: z.string().nullish(),
  message: z.string().nullish(),
  line: z.number().nullish(),
  param: z.string().nullish(),
});

/** `POST /v1/batches`, `GET /v1/batches/{id}` and `POST /v1/batches/{id}/cancel` answer with this. */
export const batchObjectSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  input_file_id: z.string().nullish(),
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  request_counts: batchRequestCountsSchema.nullish(),
  errors: z.looseObject({ data: z.array(batchErrorSchema).nullish() }).nullish(),
  created_at: z.number().nullish(),
  expires_at: z.number().nullish(),
});
export type BatchObject = z.infer<typeof batchObjectSchema>;

/** `POST /v1/files` answers with this. */
export const fileObjectSchema = z.looseObject({
  id: z.string().min(1),
  bytes: z.number().nullish(),
  filename: z.string().nullish(),
  purpose: z.string().nullish(),
});
export type FileObject = z.infer<typeof fileObjectSchema>;

/** The job-level problems of a failed batch (usually input validation), as one line. */
export function describeBatchErrors(batch: Pick<BatchObject, 'errors'>): string | undefined {
  const errors = batch.errors?.data ?? [];
  if (errors.length === 0) return undefined;
  const shown = errors.slice(0, 3).map((error) => `${error.line ? `line ${error.line}: ` : ''}${error.message ?? error.code ?? 'error'}`);
  return shown.join('; ') + (errors.length > 3 ? ` (and ${errors.length - 3} more)` : '');
}

/**
 * Scoring a run as its results arrive: each answer with expectations gets its
 * outcome at once, unless a `judge` check must wait for a grader; those grader
 * requests are collected as a batch of their own, which the caller sends
 * through the same engine (and so the same concurrency, retries, rate limits
 * and cache) and counts apart from the experiment's own requests.
 */
import type { BatchRunResult, ProcessBatchOptions, RequestManager } from '../engine/requestManager';
import type { BatchItem, BatchResult, LLMRequest, SuccessResult } from '../models';
import { costOf } from '../pricing';
import type { Expectation } from './checkGrammar';
import { judgeOf } from './checkGrammar';
import { answerOf, scoreAnswer, usesCheck } from './evaluateCheck';
import type { ScoredAnswer } from './evaluateCheck';
import { graderRequest, readGraderReply } from './judge';
import type { GraderVerdict } from './judge';
import type { PassCount, RequestOutcome, RunExpectations } from './outcomes';
import { ScoreboardBuilder } from './scoreboard';
import type { ScoredRequest } from './scoreboard';
import { SchemaValidators } from './schemaValidators';

interface Waiting {
  readonly result: SuccessResult;
  readonly item: BatchItem;
  readonly answer: ScoredAnswer;
  /** Expectation index → index of its grader item. */
  readonly graders: Map<number, number>;
}

export class RunScoring {
  readonly scoreboard = new ScoreboardBuilder();
  private scored = 0;
  private passed = 0;
  private readonly waiting: Waiting[] = [];
  private readonly graders: BatchItem[] = [];
  /** A grader request → the request whose endpoint it goes to. */
  private readonly routes = new WeakMap<LLMRequest, LLMRequest>();

  private constructor(
    private readonly validators: SchemaValidators | undefined,
    /** One stand-in request per `@judge_provider`, planned with the run's own so its endpoint is known. */
    private readonly graderEndpoints: ReadonlyMap<string, LLMRequest>,
    private readonly providerOverride: string | undefined,
  ) {}

  /**
   * Set up for `items`, or undefined when none has expectations; ajv is loaded only when one
   * has a `schema` check. `provider` sends grader requests there too (as `--provider` does).
   */
  static async forItems(items: Iterable<BatchItem>, options: { readonly provider?: string } = {}): Promise<RunScoring | undefined> {
    let any = false;
    let schema = false;
    const graderEndpoints = new Map<string, LLMRequest>();
    let last: readonly Expectation[] | undefined;
    for (const item of items) {
      const expect = item.expect;
      // Requests of a block share one list when their lines have no placeholders.
      if (!expect || expect === last) continue;
      last = expect;
      any = true;
      if (!schema && usesCheck(expect, 'schema')) schema = true;
      for (const { check } of expect) {
        const provider = options.provider ?? judgeOf(check)?.grader?.provider;
        if (provider !== undefined && judgeOf(check) && !graderEndpoints.has(provider)) {
          graderEndpoints.set(provider, { provider, messages: [{ role: 'user', content: '' }], stream: false });
        }
      }
    }
    if (!any) return undefined;
    return new RunScoring(schema ? await SchemaValidators.load() : undefined, graderEndpoints, options.provider);
  }

  /** Stand-in items for the endpoints of `@judge_provider`s, to plan along with the run's items. */
  plannedGraderItems(): BatchItem[] {
    return [...this.graderEndpoints.values()].map((request) => ({ id: `judge:${request.provider}`, request }));
  }

  /** The request whose endpoint a grader request goes to (itself for any other request). */
  routeOf(request: LLMRequest): LLMRequest {
    return this.routes.get(request) ?? request;
  }

  get counts(): PassCount {
    return { scored: this.scored, passed: this.passed };
  }

  /** The run's expectations as the hosts hand them on, with `outcomes` by request id. */
  summary(outcomes: Readonly<Record<string, RequestOutcome>>, graders: BatchRunResult | undefined): RunExpectations {
    const counts = this.counts;
    const scoreboard = this.scoreboard.build();
    if (!graders) return { counts, outcomes, scoreboard };
    const { stats } = graders;
    const graderCounts = { requests: graders.results.length, cached: stats.cacheHits, failed: graders.failures.length, promptTokens: stats.promptTokens, completionTokens: stats.completionTokens };
    return { counts, outcomes, scoreboard, graders: graderCounts };
  }

  /**
   * Scores one result. Returns its outcome, undefined when it has none (no
   * expectations, or the request failed), or `waiting` when a grader must answer
   * first (see {@link graderItems} and {@link settle}).
   */
  take(result: BatchResult, item: BatchItem): RequestOutcome | 'waiting' | undefined {
    const expect = item.expect;
    if (!result.ok) {
      this.tally(item, result, undefined);
      return undefined;
    }
    if (!expect || expect.length === 0) {
      this.tally(item, result, undefined);
      return undefined;
    }
    const answer = answerOf(result, item.request);
    let graders: Map<number, number> | undefined;
    for (let i = 0; i < expect.length; i++) {
      const judge = judgeOf((expect[i] as Expectation).check);
      if (!judge?.grader) continue;
      (graders ??= new Map()).set(i, this.graders.length);
      const provider = this.providerOverride ?? judge.grader.provider;
      const request = graderRequest(provider === undefined ? judge.grader : { ...judge.grader, provider }, judge.rubric, item.request, answer.text);
      this.routes.set(request, provider === undefined ? item.request : (this.graderEndpoints.get(provider) ?? request));
      this.graders.push({ id: `${item.id}~judge${i + 1}`, request });
    }
    if (graders) {
      this.waiting.push({ result, item, answer, graders });
      return 'waiting';
    }
    return this.finish(result, item, scoreAnswer(expect, answer, { validators: this.validators }));
  }

  /** The grader requests of every waiting answer, to send as one batch. */
  graderItems(): readonly BatchItem[] {
    return this.graders;
  }

  /**
   * Sends the grader requests through `manager` (its concurrency, retries, rate limits
   * and cache) as a batch of their own, then scores the waiting answers; undefined
   * when there was nothing to grade.
   */
  async grade(manager: RequestManager, options: Omit<ProcessBatchOptions, 'keepResults' | 'onResult'>, each: (result: SuccessResult, outcome: RequestOutcome) => void): Promise<BatchRunResult | undefined> {
    if (this.graders.length === 0) {
      this.settle([], each);
      return undefined;
    }
    const run = await manager.processBatch(this.graders.slice(), options);
    this.settle(run.results, each);
    return run;
  }

  /** Scores the waiting answers with the graders' results (by grader item index), calling `each` in the order they arrived. */
  settle(graderResults: readonly (BatchResult | undefined)[], each: (result: SuccessResult, outcome: RequestOutcome) => void, unsent = 'the grader request was not sent'): void {
    const verdictOf = (index: number): GraderVerdict => {
      const graded = graderResults[index];
      if (!graded) return { pass: false, error: true, reason: unsent };
      if (!graded.ok) return { pass: false, error: true, reason: `the grader request failed: ${graded.error.code}: ${graded.error.message}` };
      const reply = graded.response.choices[0]?.message.content;
      return readGraderReply(typeof reply === 'string' ? reply : '');
    };
    for (const { result, item, answer, graders } of this.waiting.splice(0)) {
      const outcome = scoreAnswer(item.expect ?? [], answer, {
        validators: this.validators,
        verdict: (index) => {
          const grader = graders.get(index);
          return grader === undefined ? undefined : verdictOf(grader);
        },
      });
      each(result, this.finish(result, item, outcome));
    }
    this.graders.length = 0;
  }

  private finish(result: SuccessResult, item: BatchItem, outcome: RequestOutcome): RequestOutcome {
    this.scored++;
    if (outcome.pass) this.passed++;
    this.tally(item, result, outcome);
    return outcome;
  }

  private tally(item: BatchItem, result: BatchResult, outcome: RequestOutcome | undefined): void {
    if (item.swept) this.scoreboard.add(scoredRequestOf({ ...item, model: item.request.model }, result, outcome));
  }
}

/** What the scoreboard takes of one finished request: the same figures whether it is scored live or from a stored run. */
export function scoredRequestOf(
  item: { readonly block?: string; readonly swept?: readonly string[]; readonly variables?: Readonly<Record<string, unknown>>; readonly model?: string },
  result: BatchResult,
  outcome: RequestOutcome | undefined,
): ScoredRequest {
  const usage = result.ok ? result.response.usage : undefined;
  return {
    block: item.block,
    swept: item.swept,
    variables: item.variables,
    ok: result.ok,
    // A cached answer counts with the latency it was answered with, as `expect: latency` judges it.
    latencyMs: result.ok ? (result.answerLatencyMs ?? result.latencyMs) : 0,
    tokens: usage?.total_tokens ?? 0,
    ...(outcome && { outcome }),
    ...(result.ok && { costUsd: costOf(result.response.model ?? item.model, usage, { batch: result.via === 'batch' }) }),
  };
}

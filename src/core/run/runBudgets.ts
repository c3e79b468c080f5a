/**
 * The request and token budgets of a run, by one rule for the editor and the
 * command line alike: the command line (`--rpm`/`--tpm`, the CLI only) wins
 * over the file's `@rpm`/`@tpm`, the file over the endpoint profile's
 * `rpm`/`tpm`. Absent ones leave the limits the server announces, which apply
 * whatever is configured (docs/rate-limits.md).
 */
import type { ResolvedEndpoint } from '../endpoints/profiles';
import type { RateLimits } from '../rateLimit/rateLimiter';

export interface BudgetSources {
  /** Given with the command (`llmbatch run --rpm … --tpm …`). */
  readonly command?: RateLimits | undefined;
  /** The file's header `@rpm`/`@tpm`. */
  readonly file?: RateLimits | undefined;
}

/** Each provider's budgets, by its profile id. */
export function budgetsFor(endpoints: readonly Pick<ResolvedEndpoint, 'profile' | 'rpm' | 'tpm'>[], sources: BudgetSources): (provider: { readonly id: string }) => RateLimits {
  return (provider) => {
    const endpoint = endpoints.find((candidate) => candidate.profile === provider.id);
    const rpm = sources.command?.rpm ?? sources.file?.rpm ?? endpoint?.rpm;
    const tpm = sources.command?.tpm ?? sources.file?.tpm ?? endpoint?.tpm;
    return { ...(rpm !== undefined && { rpm }), ...(tpm !== undefined && { tpm }) };
  };
}

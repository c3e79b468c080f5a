/**
 * Checking parameter values against the request model once per distinct value:
 * `@temperature = 0.7` written in 100 000 blocks is validated once, with the
 * same result (and so the same diagnostics) as checking each one.
 */
import { checkSettingValue } from './parameters';
import type { CheckResult } from './parameters';

export class ValueChecks {
  private readonly byKey = new Map<string, Map<unknown, CheckResult>>();
  private readonly byOwner = new WeakMap<object, CheckResult>();

  /**
   * The check of `value` for `key`. Objects are checked once per `owner` (the
   * setting that holds them), since equal objects are not the same map key.
   */
  check(key: string, value: unknown, owner?: object): CheckResult {
    if (typeof value === 'object' && value !== null) {
      if (!owner) return checkSettingValue(key, value);
      let result = this.byOwner.get(owner);
      if (!result) this.byOwner.set(owner, (result = checkSettingValue(key, value)));
      return result;
    }
    // A map treats -0 as 0, and the value sent must stay as written.
    if (Object.is(value, -0)) return checkSettingValue(key, value);
    let cache = this.byKey.get(key);
    if (!cache) this.byKey.set(key, (cache = new Map()));
    let result = cache.get(value);
    if (!result) cache.set(value, (result = checkSettingValue(key, value)));
    return result;
  }
}

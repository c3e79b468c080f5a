import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planEndpoints } from '../../../src/core/endpoints/endpointPlan';
import { builtinProfiles, mergeProfiles } from '../../../src/core/endpoints/profiles';
import type { BatchItem, SourceRange } from '../../../src/core/models';

const line = (n: number, start = 0, end = 10): SourceRange => ({ startLine: n, startColumn: start, endLine: n, endColumn: end });

function item(id: string, provider: string, block = 'b'): BatchItem {
  return { id, block, request: { provider, messages: [{ role: 'user', content: id }], stream: false }, source: line(5) };
}

describe('planning the endpoints of a batch', () => {
  it('groups items by endpoint, in order of first use', () => {
    const items = [item('a', 'openai'), item('b', 'echo'), item('c', 'openai')];
    const plan = planEndpoints(items, { profiles: builtinProfiles });
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(
      plan.groups.map((group) => [group.endpoint.profile, group.items.map((i) => i.id)]),
      [
        ['openai', ['a', 'c']],
        ['echo', ['b']],
      ],
    );
    assert.equal(plan.endpointOf.get(items[2]!)?.apiBase, 'https://api.openai.com/v1');
  });

  it('blames the @api_base line when a keyed profile is pointed at another host, once per setting', () => {
    const apiBase = { value: 'http://127.0.0.1:9/v1', range: line(2, 12, 33) };
    const items = [item('a', 'openai'), item('b', 'openai'), item('c', 'echo')];
    const plan = planEndpoints(items, { profiles: builtinProfiles, apiBaseOf: (i) => (i.request.provider === 'openai' ? apiBase : undefined) });
    assert.equal(plan.problems.length, 1);
    assert.equal(plan.problems[0]?.severity, 'error');
    assert.equal(plan.problems[0]?.code, 'key-to-other-host');
    assert.deepEqual(plan.problems[0]?.range, apiBase.range);
    assert.deepEqual(
      plan.refused.map((i) => i.id),
      ['a', 'b'],
    );
  });

  it('blames the @provider line for an unknown profile, else the block', () => {
    const withRange = planEndpoints([item('a', 'nope')], { profiles: builtinProfiles, providerRangeOf: () => line(1, 0, 15) });
    assert.deepEqual(withRange.problems[0]?.range, line(1, 0, 15));
    assert.match(withRange.problems[0]?.message ?? '', /unknown provider "nope"/);
    const without = planEndpoints([item('a', 'nope')], { profiles: builtinProfiles });
    assert.deepEqual(without.problems[0]?.range, line(5));
  });

  it('lets a keyless profile go to the file’s URL, keyless', () => {
    const plan = planEndpoints([item('a', 'ollama')], { profiles: builtinProfiles, apiBaseOf: () => ({ value: 'http://127.0.0.1:9/v1' }) });
    assert.deepEqual(plan.problems, []);
    const endpoint = plan.groups[0]?.endpoint;
    assert.equal(endpoint?.apiBase, 'http://127.0.0.1:9/v1');
    assert.equal(endpoint?.sendKey, false);
  });

  it('accepts an allowed URL for a keyed profile', () => {
    const profiles = mergeProfiles({ openai: { allowedBaseUrls: ['http://127.0.0.1:9/v1'] } });
    const plan = planEndpoints([item('a', 'openai')], { profiles, apiBaseOf: () => ({ value: 'http://127.0.0.1:9/v1/' }) });
    assert.deepEqual(plan.problems, []);
    assert.equal(plan.groups[0]?.endpoint.sendKey, true);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProfileSettings, problemsFor } from '../../../src/extension/config/profileSettings';
import { budgetsFor } from '../../../src/core/run/runBudgets';
import { mergeProfiles, resolveEndpoint } from '../../../src/core/endpoints/profiles';

describe('rate budgets in endpoint profile settings', () => {
  it('keeps rpm and tpm of a profile, beside its other fields', () => {
    const { profiles, problems } = parseProfileSettings({ work: { baseUrl: 'https://llm.example.com/v1', rpm: 500, tpm: 200_000 } });
    assert.deepEqual(problems, []);
    assert.deepEqual(profiles.work, { baseUrl: 'https://llm.example.com/v1', rpm: 500, tpm: 200_000 });
  });

  it('carries the budgets through to the endpoint a run resolves', () => {
    const { profiles } = parseProfileSettings({ openai: { rpm: 3_000 } });
    const resolved = resolveEndpoint('openai', undefined, mergeProfiles(profiles));
    assert.ok(resolved.ok);
    assert.equal(resolved.endpoint.rpm, 3_000);
    assert.equal(resolved.endpoint.tpm, undefined);
  });

  it('reports an unusable budget by its full setting name, with the value it got', () => {
    const { profiles, problems } = parseProfileSettings({
      work: { baseUrl: 'https://llm.example.com/v1', rpm: 'fast', tpm: -5 },
      home: { rpm: 0 },
      lab: { tpm: Number.POSITIVE_INFINITY },
      list: { rpm: [100] },
    });
    assert.deepEqual(
      problems.map((problem) => problem.message),
      [
        'llmbatch.profiles.work.rpm must be a number of requests per minute above 0 (got "fast")',
        'llmbatch.profiles.work.tpm must be a number of tokens per minute above 0 (got -5)',
        'llmbatch.profiles.home.rpm must be a number of requests per minute above 0 (got 0)',
        'llmbatch.profiles.lab.tpm must be a number of tokens per minute above 0 (got Infinity)',
        'llmbatch.profiles.list.rpm must be a number of requests per minute above 0 (got a list)',
      ],
    );
    assert.deepEqual(
      problems.map((problem) => problem.profile),
      ['work', 'work', 'home', 'lab', 'list'],
    );
    // A bad budget is never half-applied.
    assert.equal(profiles.work?.rpm, undefined);
    assert.equal(profiles.work?.baseUrl, 'https://llm.example.com/v1');
  });

  it('treats null as no budget rather than as a mistake', () => {
    const { profiles, problems } = parseProfileSettings({ work: { rpm: null, tpm: undefined } });
    assert.deepEqual(problems, []);
    assert.deepEqual(profiles.work, {});
  });

  it('says so when the whole setting is not an object of profiles', () => {
    const { profiles, problems } = parseProfileSettings(['work']);
    assert.deepEqual(profiles, {});
    assert.match(problems[0]?.message ?? '', /^llmbatch\.profiles must be an object/);
    assert.equal(problems[0]?.profile, undefined);
  });

  it('holds a run back only for problems of the profiles it sends through', () => {
    const { problems } = parseProfileSettings({ work: { rpm: 'fast' }, home: { tpm: 0 } });
    assert.deepEqual(
      problemsFor(problems, ['home', 'openai']).map((problem) => problem.profile),
      ['home'],
    );
    assert.deepEqual(problemsFor(problems, ['openai']), []);
  });
});

describe('budgets of a run', () => {
  const endpoints = [
    { profile: 'work', rpm: 500, tpm: 200_000 },
    { profile: 'local' },
  ];

  it('uses each profile’s own budgets for its provider', () => {
    const budgets = budgetsFor(endpoints, {});
    assert.deepEqual(budgets({ id: 'work' }), { rpm: 500, tpm: 200_000 });
    assert.deepEqual(budgets({ id: 'local' }), {});
  });

  it('lets the file’s @rpm/@tpm win over the profile’s, field by field', () => {
    const budgets = budgetsFor(endpoints, { file: { rpm: 60 } });
    assert.deepEqual(budgets({ id: 'work' }), { rpm: 60, tpm: 200_000 });
    assert.deepEqual(budgets({ id: 'local' }), { rpm: 60 });
  });

  it('lets the command line win over the file, and the file over the profile, field by field', () => {
    const budgets = budgetsFor(endpoints, { command: { tpm: 1_000 }, file: { rpm: 60, tpm: 9_000 } });
    assert.deepEqual(budgets({ id: 'work' }), { rpm: 60, tpm: 1_000 });
    assert.deepEqual(budgets({ id: 'local' }), { rpm: 60, tpm: 1_000 });
  });
});

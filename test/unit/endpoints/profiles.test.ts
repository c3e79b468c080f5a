import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  builtinProfiles,
  cliProfiles,
  findProfileKey,
  keyOptions,
  mergeProfiles,
  normalizeBaseUrl,
  resolveEndpoint,
  sameBaseUrl,
} from '../../../src/core/endpoints/profiles';
import type { ResolvedEndpoint } from '../../../src/core/endpoints/profiles';

function resolved(profile: string, apiBase: string | undefined, profiles = builtinProfiles): ResolvedEndpoint {
  const result = resolveEndpoint(profile, apiBase, profiles);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.endpoint;
}

function refusal(profile: string, apiBase: string | undefined, profiles = builtinProfiles) {
  const result = resolveEndpoint(profile, apiBase, profiles);
  assert.equal(result.ok, false, `expected ${profile} → ${String(apiBase)} to be refused`);
  return result as Extract<typeof result, { ok: false }>;
}

describe('built-in profiles', () => {
  it('send OpenAI requests to api.openai.com with the key from OPENAI_API_KEY', () => {
    const endpoint = resolved('openai', undefined);
    assert.equal(endpoint.apiBase, 'https://api.openai.com/v1');
    assert.equal(endpoint.apiKeyEnv, 'OPENAI_API_KEY');
    assert.equal(endpoint.requiresKey, true);
    assert.equal(endpoint.sendKey, true);
  });

  it('know the local servers and need no key for them', () => {
    assert.equal(resolved('ollama', undefined).apiBase, 'http://localhost:11434/v1');
    assert.equal(resolved('lmstudio', undefined).apiBase, 'http://localhost:1234/v1');
    assert.equal(resolved('vllm', undefined).apiBase, 'http://localhost:8000/v1');
    for (const name of ['ollama', 'lmstudio', 'vllm']) assert.equal(resolved(name, undefined).requiresKey, false);
  });

  it('send OpenRouter requests with OPENROUTER_API_KEY', () => {
    const endpoint = resolved('openrouter', undefined);
    assert.equal(endpoint.apiBase, 'https://openrouter.ai/api/v1');
    assert.equal(endpoint.apiKeyEnv, 'OPENROUTER_API_KEY');
  });

  it('run echo offline', () => {
    const endpoint = resolved('echo', undefined);
    assert.equal(endpoint.kind, 'echo');
    assert.equal(endpoint.apiBase, 'echo:');
    assert.equal(endpoint.requiresKey, false);
  });

  it('ask for an Azure base URL and send its key in the api-key header', () => {
    const missing = refusal('azure', undefined);
    assert.equal(missing.code, 'missing-base-url');
    assert.match(missing.message, /llmbatch\.profiles\.azure\.baseUrl/);

    const profiles = mergeProfiles({ azure: { baseUrl: 'https://contoso.openai.azure.com/openai/v1/' } });
    const endpoint = resolved('azure', undefined, profiles);
    assert.equal(endpoint.apiBase, 'https://contoso.openai.azure.com/openai/v1');
    assert.deepEqual(keyOptions(endpoint, 'k-123'), { headers: { 'api-key': 'k-123' } });
  });
});

describe('user profiles', () => {
  it('add new profiles and override built-in fields one by one', () => {
    const profiles = mergeProfiles({
      work: { baseUrl: 'https://llm.example.com/v1', apiKeyEnv: 'WORK_KEY', headers: { 'x-team': 'a' } },
      ollama: { baseUrl: 'http://gpu-box:11434/v1' },
    });
    const work = resolved('work', undefined, profiles);
    assert.equal(work.apiBase, 'https://llm.example.com/v1');
    assert.equal(work.requiresKey, true, 'a profile naming a key variable is keyed');
    assert.deepEqual(work.headers, { 'x-team': 'a' });
    const ollama = resolved('ollama', undefined, profiles);
    assert.equal(ollama.apiBase, 'http://gpu-box:11434/v1');
    assert.equal(ollama.requiresKey, false, 'fields the user did not set keep their built-in value');
  });

  it('name the unknown profile and the known ones', () => {
    const result = refusal('opneai', undefined);
    assert.equal(result.code, 'unknown-profile');
    assert.match(result.message, /unknown provider "opneai"/);
    assert.match(result.message, /openai/);
  });

  it('do not treat inherited object properties as profiles', () => {
    assert.equal(refusal('constructor', undefined).code, 'unknown-profile');
    assert.equal(refusal('__proto__', undefined).code, 'unknown-profile');
  });

  it('report an unusable baseUrl from settings', () => {
    const profiles = mergeProfiles({ odd: { baseUrl: 'ftp://files.example.com' } });
    assert.equal(refusal('odd', undefined, profiles).code, 'invalid-base-url');
  });
});

describe('a key is only sent to its own profile’s base URL', () => {
  it('refuses a file that points a keyed profile at another host', () => {
    const result = refusal('openai', 'http://127.0.0.1:9999/v1');
    assert.equal(result.code, 'key-to-other-host');
    assert.match(result.message, /127\.0\.0\.1:9999/);
    assert.match(result.message, /allowedBaseUrls/);
  });

  it('is not fooled by look-alike URLs', () => {
    for (const url of [
      'https://api.openai.com.evil.example/v1',
      'https://api.openai.com@evil.example/v1',
      'https://evil.example/api.openai.com/v1',
      'http://api.openai.com/v1',
      'https://api.openai.com:8443/v1',
      'https://api.openai.com/v1/../../evil',
      'https://api.openai.com/v2',
    ]) {
      assert.equal(resolveEndpoint('openai', url, builtinProfiles).ok, false, url);
    }
  });

  it('accepts the profile’s own base URL written differently', () => {
    for (const url of ['https://api.openai.com/v1/', 'HTTPS://API.OPENAI.COM/v1', 'https://api.openai.com:443/v1']) {
      const endpoint = resolved('openai', url);
      assert.equal(endpoint.apiBase, 'https://api.openai.com/v1', url);
      assert.equal(endpoint.sendKey, true);
    }
  });

  it('accepts a URL the user allowed for that profile, and only for that profile', () => {
    const profiles = mergeProfiles({ openai: { allowedBaseUrls: ['https://proxy.example.com/openai/v1'] } });
    const endpoint = resolved('openai', 'https://proxy.example.com/openai/v1/', profiles);
    assert.equal(endpoint.apiBase, 'https://proxy.example.com/openai/v1');
    assert.equal(endpoint.sendKey, true);
    assert.equal(resolveEndpoint('openrouter', 'https://proxy.example.com/openai/v1', profiles).ok, false);
  });

  it('lets a keyless profile go elsewhere but without any key or profile headers', () => {
    const profiles = mergeProfiles({ ollama: { headers: { 'x-auth': 'secret' } } });
    const endpoint = resolved('ollama', 'http://10.0.0.5:11434/v1', profiles);
    assert.equal(endpoint.apiBase, 'http://10.0.0.5:11434/v1');
    assert.equal(endpoint.sendKey, false);
    assert.deepEqual(endpoint.headers, {});
    assert.deepEqual(keyOptions(endpoint, 'stored-key'), { headers: {} });
  });

  it('rejects api_base values that are not plain http(s) URLs', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'https://user:pw@api.openai.com/v1', 'https://api.openai.com/v1?x=1']) {
      const result = resolveEndpoint('ollama', url, builtinProfiles);
      assert.equal(result.ok, false, url);
      assert.equal(!result.ok && result.code, 'invalid-base-url', url);
    }
  });
});

describe('finding a profile’s key', () => {
  const openai = resolved('openai', undefined);

  it('prefers the stored secret over the environment variable', async () => {
    const key = await findProfileKey(openai, { secret: async () => 'stored', env: { OPENAI_API_KEY: 'from-env' } });
    assert.equal(key, 'stored');
  });

  it('falls back to the profile’s environment variable', async () => {
    assert.equal(await findProfileKey(openai, { secret: async () => undefined, env: { OPENAI_API_KEY: 'from-env' } }), 'from-env');
    assert.equal(await findProfileKey(openai, { env: { OPENAI_API_KEY: '' } }), undefined);
  });

  it('never looks a key up for an endpoint that may not receive it', async () => {
    const redirected = resolved('ollama', 'http://10.0.0.5:11434/v1');
    let asked = false;
    const key = await findProfileKey(redirected, { secret: async () => ((asked = true), 'stored') });
    assert.equal(key, undefined);
    assert.equal(asked, false);
  });

  it('sends a bearer key through the provider’s apiKey option', () => {
    assert.deepEqual(keyOptions(openai, 'sk-test'), { apiKey: 'sk-test', headers: {} });
    assert.deepEqual(keyOptions(openai, undefined), { headers: {} });
  });
});

describe('the command-line profiles', () => {
  it('send the OpenAI key to --api-base, else OPENAI_BASE_URL, else OpenAI', () => {
    assert.equal(resolved('openai', undefined, cliProfiles({ apiBase: 'http://127.0.0.1:8080/v1', env: { OPENAI_BASE_URL: 'https://other/v1' } })).apiBase, 'http://127.0.0.1:8080/v1');
    assert.equal(resolved('openai', undefined, cliProfiles({ env: { OPENAI_BASE_URL: 'https://gateway.example.com/v1' } })).apiBase, 'https://gateway.example.com/v1');
    assert.equal(resolved('openai', undefined, cliProfiles({ env: {} })).apiBase, 'https://api.openai.com/v1');
  });

  it('need no key for a base URL other than OpenAI’s when no OPENAI_API_KEY is set, and always for OpenAI itself', () => {
    assert.equal(cliProfiles({ apiBase: 'http://127.0.0.1:8080/v1', env: {} }).openai?.requiresKey, false);
    assert.notEqual(cliProfiles({ apiBase: 'http://127.0.0.1:8080/v1', env: { OPENAI_API_KEY: 'sk-test-0123456789' } }).openai?.requiresKey, false);
    assert.notEqual(cliProfiles({ env: {} }).openai?.requiresKey, false);
  });

  it('refuse a file that redirects the key elsewhere', () => {
    const profiles = cliProfiles({ apiBase: 'http://127.0.0.1:8080/v1' });
    assert.equal(resolveEndpoint('openai', 'https://api.openai.com/v1', profiles).ok, false);
  });
});

describe('base URL normalisation', () => {
  it('drops trailing slashes and default ports, lower-cases the host', () => {
    assert.deepEqual(normalizeBaseUrl(' https://Example.COM:443/v1/// '), { ok: true, url: 'https://example.com/v1' });
    assert.deepEqual(normalizeBaseUrl('http://127.0.0.1:80/'), { ok: true, url: 'http://127.0.0.1' });
    assert.equal(sameBaseUrl('http://localhost:11434/v1/', 'http://LOCALHOST:11434/v1'), true);
    assert.equal(sameBaseUrl('http://localhost:11434/v1', 'http://localhost:11435/v1'), false);
  });
});

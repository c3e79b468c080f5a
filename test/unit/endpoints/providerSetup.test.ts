import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setUpProviders } from '../../../src/core/endpoints/providerSetup';
import { builtinProfiles, findProfileKey, mergeProfiles } from '../../../src/core/endpoints/profiles';
import type { EndpointProfiles } from '../../../src/core/endpoints/profiles';
import type { BatchItem } from '../../../src/core/models';

interface Sent {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** A fetch that records what would have been sent and answers like a chat completions endpoint. */
function recordingFetch(sent: Sent[]): typeof globalThis.fetch {
  return async (input, init) => {
    sent.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) } });
    const body = { id: 'c1', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

function item(id: string, provider: string): BatchItem {
  return { id, request: { provider, model: 'm', messages: [{ role: 'user', content: id }], stream: false } };
}

async function send(items: BatchItem[], profiles: EndpointProfiles, keys: Record<string, string>, apiBase?: string): Promise<Sent[]> {
  const sent: Sent[] = [];
  const setup = await setUpProviders(items, {
    profiles,
    ...(apiBase !== undefined && { apiBaseOf: () => ({ value: apiBase }) }),
    findKey: (endpoint) => findProfileKey(endpoint, { secret: async (profile) => keys[profile] }),
    fetch: recordingFetch(sent),
  });
  assert.ok(setup.ok, 'setup was refused');
  for (const { request } of items) await setup.providerFor(request).makeRequest(request, new AbortController().signal);
  return sent;
}

describe('providers built for a batch', () => {
  it('send each profile’s key as Bearer to that profile’s base URL only', async () => {
    const profiles = mergeProfiles({ local: { baseUrl: 'http://127.0.0.1:9/v1' } });
    const sent = await send([item('a', 'openai'), item('b', 'local')], profiles, { openai: 'sk-openai-key', local: 'local-key' });
    assert.equal(sent[0]?.url, 'https://api.openai.com/v1/chat/completions');
    assert.equal(sent[0]?.headers.authorization, 'Bearer sk-openai-key');
    assert.equal(sent[1]?.url, 'http://127.0.0.1:9/v1/chat/completions');
    assert.equal(sent[1]?.headers.authorization, 'Bearer local-key');
  });

  it('send an Azure key in the api-key header and no Authorization', async () => {
    const profiles = mergeProfiles({ azure: { baseUrl: 'https://contoso.openai.azure.com/openai/v1' } });
    const [request] = await send([item('a', 'azure')], profiles, { azure: 'azure-key' });
    assert.equal(request?.headers['api-key'], 'azure-key');
    assert.equal(request?.headers.authorization, undefined);
  });

  it('send nothing secret when a file points a keyless profile elsewhere', async () => {
    const profiles = mergeProfiles({ ollama: { headers: { 'x-token': 'profile-secret' }, organization: 'org-1' } });
    const [request] = await send([item('a', 'ollama')], profiles, { ollama: 'stored-key' }, 'http://127.0.0.1:9/v1');
    assert.equal(request?.url, 'http://127.0.0.1:9/v1/chat/completions');
    assert.equal(request?.headers.authorization, undefined);
    assert.equal(request?.headers['x-token'], undefined);
    assert.equal(request?.headers['openai-organization'], undefined);
  });

  it('refuse a keyed profile without a key, before anything is sent', async () => {
    const sent: Sent[] = [];
    const setup = await setUpProviders([item('a', 'openai')], { profiles: builtinProfiles, findKey: async () => undefined, fetch: recordingFetch(sent) });
    assert.equal(setup.ok, false);
    assert.equal(!setup.ok && setup.reason, 'missing-key');
    assert.deepEqual(sent, []);
  });

  it('refuse a keyed profile pointed at another host, never asking for its key', async () => {
    let asked = false;
    const setup = await setUpProviders([item('a', 'openai')], {
      profiles: builtinProfiles,
      apiBaseOf: () => ({ value: 'http://127.0.0.1:9/v1' }),
      findKey: async () => ((asked = true), 'sk-x'),
    });
    assert.equal(!setup.ok && setup.reason, 'endpoint');
    assert.equal(asked, false);
  });
});

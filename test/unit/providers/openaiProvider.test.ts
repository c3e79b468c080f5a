import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockServer } from '../../mock/mockServer';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { APIConnectionError, APITimeoutError, AuthenticationError, BadRequestError, InvalidRequestError, InvalidResponseError } from '../../../src/core/errors';
import type { LLMRequest } from '../../../src/core/models';
import { chatItem } from '../engine/engineFixtures';
import { useMockServer } from '../fixtures/useMockServer';

const key = 'sk-test-0123456789abcdef';

function request(content = 'Hello', extra: Parameters<typeof chatItem>[2] = {}): LLMRequest {
  return chatItem('r', content, extra).request;
}

const never = new AbortController().signal;

describe('OpenAIProvider', () => {
  const server = useMockServer();

  it('posts to <apiBase>/chat/completions and returns the validated answer', async () => {
    const provider = new OpenAIProvider({ apiBase: `${server.baseUrl}//`, apiKey: key });
    const response = await provider.makeRequest(request('Hi there'), never);
    assert.equal(server.requests[0]?.path, '/v1/chat/completions');
    assert.equal(server.requests[0]?.method, 'POST');
    assert.equal(response.statusCode, 200);
    assert.equal(response.body.choices[0]?.message.content, 'mock: Hi there');
    assert.match(response.requestId ?? '', /^req_mock_/);
    assert.equal(provider.apiBase, server.baseUrl);
  });

  it('sends only the parameters the user set: no provider, no stream, nothing undefined', async () => {
    const provider = new OpenAIProvider({ apiBase: server.baseUrl });
    await provider.makeRequest(request('Hi', { temperature: 0.3, max_tokens: undefined }), never);
    const body = server.requests[0]?.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['messages', 'model', 'temperature']);
    assert.equal(body['temperature'], 0.3);
  });

  it('sends Authorization only when a key is set', async () => {
    await new OpenAIProvider({ apiBase: server.baseUrl, apiKey: key, organization: 'org-1' }).makeRequest(request(), never);
    await new OpenAIProvider({ apiBase: server.baseUrl }).makeRequest(request(), never);
    await new OpenAIProvider({ apiBase: server.baseUrl, apiKey: '' }).makeRequest(request(), never);
    assert.equal(server.requests[0]?.headers.authorization, `Bearer ${key}`);
    assert.equal(server.requests[0]?.headers['openai-organization'], 'org-1');
    assert.equal(server.requests[1]?.headers.authorization, undefined);
    assert.equal(server.requests[2]?.headers.authorization, undefined);
  });

  it('reaches Azure-style endpoints through extra headers and query parameters', async () => {
    let seen: { url: string; headers: Record<string, string> } | undefined;
    const provider = new OpenAIProvider({
      apiBase: 'http://127.0.0.1:9/openai/deployments/gpt',
      headers: { 'api-key': 'azure-key' },
      query: { 'api-version': '2024-10-21' },
      fetch: async (url, init) => {
        seen = { url: String(url), headers: init?.headers as Record<string, string> };
        return Response.json({ id: 'c1', model: 'gpt', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] });
      },
    });
    const response = await provider.makeRequest(request(), never);
    assert.equal(response.body.choices[0]?.message.content, 'ok');
    assert.equal(seen?.url, 'http://127.0.0.1:9/openai/deployments/gpt/chat/completions?api-version=2024-10-21');
    assert.equal(seen?.headers['api-key'], 'azure-key');
    assert.equal(seen?.headers['authorization'], undefined);
  });

  it('refuses stream: true before sending anything', async () => {
    const provider = new OpenAIProvider({ apiBase: server.baseUrl });
    await assert.rejects(provider.makeRequest(request('Hi', { stream: true }), never), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.match(error.message, /stream/);
      return true;
    });
    assert.equal(server.requests.length, 0);
  });

  it("raises typed errors carrying the server's message", async () => {
    const provider = new OpenAIProvider({ apiBase: server.baseUrl, apiKey: key });
    server.setScript(() => ({ kind: 'status', status: 400, body: { error: { message: "Unsupported parameter: 'temperature'." } } }));
    await assert.rejects(provider.makeRequest(request(), never), (error: unknown) => {
      assert.ok(error instanceof BadRequestError);
      assert.equal(error.message, "400 Unsupported parameter: 'temperature'.");
      return true;
    });
    server.setScript(() => ({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${key}.` } } }));
    await assert.rejects(provider.makeRequest(request(), never), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.match(error.message, /Incorrect API key provided/);
      assert.ok(!error.message.includes(key), 'the key is redacted');
      return true;
    });
  });

  it('tells cut-off, non-JSON, error-carrying and malformed 2xx answers apart', async () => {
    const provider = new OpenAIProvider({ apiBase: server.baseUrl });
    const kindOf = async (): Promise<string> => {
      try {
        await provider.makeRequest(request(), never);
        return 'ok';
      } catch (error) {
        return error instanceof InvalidResponseError ? error.kind : String(error);
      }
    };
    server.setScript(() => ({ kind: 'truncated' }));
    assert.equal(await kindOf(), 'truncated');
    server.setScript(() => ({ kind: 'truncated', dropConnection: true }));
    assert.equal(await kindOf(), 'truncated');
    server.setScript(() => ({ kind: 'ok', body: '<html>Gateway</html>' }));
    assert.equal(await kindOf(), 'not_json');
    server.setScript(() => ({ kind: 'ok', body: { error: { message: 'upstream overloaded' } } }));
    assert.equal(await kindOf(), 'error_body');
    server.setScript(() => ({ kind: 'ok', body: { id: 'x', model: 'm', choices: [] } }));
    assert.equal(await kindOf(), 'wrong_shape');
  });

  it('does not follow a redirect, so the key never reaches another host', async () => {
    const redirecting = await MockServer.start();
    const elsewhere = await MockServer.start();
    try {
      redirecting.route('POST', '/v1/chat/completions', () => ({ status: 307, body: '', headers: { location: `${elsewhere.baseUrl}/chat/completions` } }));
      const provider = new OpenAIProvider({ apiBase: redirecting.baseUrl, apiKey: key });
      await assert.rejects(provider.makeRequest(request(), never), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'redirect');
        assert.equal((error as { status?: number }).status, 307);
        return true;
      });
      assert.equal(redirecting.requests.length, 1);
      assert.equal(elsewhere.requests.length, 0);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });

  it('reports a refused connection as a connection error', async () => {
    const closed = await MockServer.start();
    const apiBase = closed.baseUrl;
    await closed.close();
    await assert.rejects(new OpenAIProvider({ apiBase }).makeRequest(request(), never), (error: unknown) => {
      assert.ok(error instanceof APIConnectionError);
      assert.equal(error.code, 'connection');
      return true;
    });
  });

  it('rejects with the abort reason when its signal aborts', async () => {
    server.setScript(() => ({ kind: 'hang' }));
    const controller = new AbortController();
    const pending = new OpenAIProvider({ apiBase: server.baseUrl }).makeRequest(request(), controller.signal);
    setTimeout(() => controller.abort(new APITimeoutError(20)), 20);
    await assert.rejects(pending, (error: unknown) => error instanceof APITimeoutError && error.code === 'timeout');
  });

  it('keeps the key out of anything serialised from the provider', () => {
    const provider = new OpenAIProvider({ apiKey: key });
    assert.ok(!JSON.stringify(provider).includes(key));
    assert.deepEqual(provider.identity, { providerId: 'openai', apiBase: 'https://api.openai.com/v1' });
  });
});

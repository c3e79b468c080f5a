import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockServer } from '../../mock/mockServer';
import type { MockFault } from '../../mock/mockServer';

function chatBody(content: string, model = 'gpt-test'): Record<string, unknown> {
  return { model, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content }] };
}

async function post(server: MockServer, body: unknown, path = '/chat/completions', signal?: AbortSignal): Promise<Response> {
  return fetch(server.baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

describe('MockServer', () => {
  let server: MockServer;
  before(async () => {
    server = await MockServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.setScript(undefined);
    server.setLatency(0);
    server.resetRecords();
  });

  it('listens on 127.0.0.1 and exposes an OpenAI-style base URL', () => {
    assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('answers chat completions deterministically from the request', async () => {
    const res = await post(server, chatBody('hello world', 'gpt-x'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('x-request-id') ?? '', /^req_mock_\d+$/);
    const body = (await res.json()) as { object: string; model: string; choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } };
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'gpt-x');
    assert.equal(body.choices[0]?.message.content, 'mock: hello world');
    assert.equal(body.choices[0]?.finish_reason, 'stop');
    assert.ok(body.usage.prompt_tokens > 0);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('answers unknown paths with a 404 error body', async () => {
    const res = await post(server, {}, '/nothing/here');
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    assert.equal(body.error.code, 'unknown_url');
    assert.match(body.error.message, /\/v1\/nothing\/here/);
  });

  it('answers a body that is not JSON with an OpenAI-style 400', async () => {
    const res = await post(server, '{"model": ');
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_json');
    assert.ok(body.error.message.length > 0);
  });

  it('answers a chat request without messages with a 400', async () => {
    const res = await post(server, { model: 'gpt-x' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /messages/);
  });

  it('records method, path, headers, parsed body and time', async () => {
    const before = Date.now();
    await (await post(server, chatBody('one'))).text();
    await (await post(server, chatBody('two'))).text();
    assert.equal(server.requests.length, 2);
    const first = server.requests[0]!;
    assert.equal(first.method, 'POST');
    assert.equal(first.path, '/v1/chat/completions');
    assert.equal(first.headers.authorization, 'Bearer sk-test');
    assert.deepEqual(first.body, chatBody('one'));
    assert.ok(first.time >= before);
    server.resetRecords();
    assert.equal(server.requests.length, 0);
  });

  it('sends a status fault with its headers and an OpenAI-style default body', async () => {
    server.setScript(() => ({ kind: 'status', status: 429, headers: { 'retry-after': '2' } }));
    const res = await post(server, chatBody('x'));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '2');
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'rate_limit_exceeded');
  });

  it('sends a status fault with a custom body', async () => {
    server.setScript(() => ({ kind: 'status', status: 503, body: { error: { message: 'overloaded', type: 'server_error', code: null } } }));
    const res = await post(server, chatBody('x'));
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { error: { message: 'overloaded', type: 'server_error', code: null } });
  });

  it('resets the connection on a reset fault', async () => {
    server.setScript(() => ({ kind: 'reset' }));
    await assert.rejects(post(server, chatBody('x')), TypeError);
  });

  it('sends half a JSON body with status 200 on a truncated fault', async () => {
    server.setScript(() => ({ kind: 'truncated' }));
    const res = await post(server, chatBody('truncate me'));
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(text.startsWith('{"id":"chatcmpl-mock-'));
    assert.throws(() => JSON.parse(text), SyntaxError);
  });

  it('drops the connection mid-body on a truncated fault with dropConnection', async () => {
    server.setScript(() => ({ kind: 'truncated', dropConnection: true }));
    const res = await post(server, chatBody('truncate me'));
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
  });

  it('sends a custom body with status 200 on an ok fault', async () => {
    server.setScript(() => ({ kind: 'ok', body: { id: 'x', model: 'm', choices: [] }, headers: { 'x-extra': 'yes' } }));
    const res = await post(server, chatBody('x'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-extra'), 'yes');
    assert.deepEqual(await res.json(), { id: 'x', model: 'm', choices: [] });
  });

  it('never answers on a hang fault and counts the request as in flight', async () => {
    server.setScript(() => ({ kind: 'hang' }));
    const controller = new AbortController();
    const pending = post(server, chatBody('x'), '/chat/completions', controller.signal);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(server.inFlight, 1);
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    while (server.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(server.inFlight, 0);
  });

  it('gives the script the request index and how often the same body was seen', async () => {
    const seen: Array<[number, number]> = [];
    server.setScript((ctx) => {
      seen.push([ctx.index, ctx.attemptForBody]);
      return ctx.attemptForBody < 3 ? { kind: 'status', status: 500 } : undefined;
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(server, chatBody('retry me'))).status);
    statuses.push((await post(server, chatBody('other'))).status);
    assert.deepEqual(statuses, [500, 500, 200, 500]);
    assert.deepEqual(seen, [[0, 1], [1, 2], [2, 3], [3, 1]]);
  });

  it('applies latency before answering', async () => {
    server.setLatency(40);
    const started = Date.now();
    await (await post(server, chatBody('a'))).json();
    // A lower bound only: a slow machine can add time but never remove it.
    assert.ok(Date.now() - started >= 39, `answered after ${Date.now() - started} ms`);
  });

  it('counts requests in flight and their peak', async () => {
    server.setScript((ctx) => (JSON.stringify(ctx.body).includes('hold') ? { kind: 'hang' } : undefined));
    const controller = new AbortController();
    const held = [1, 2, 3].map((n) => post(server, chatBody(`hold ${n}`), '/chat/completions', controller.signal).catch(() => undefined));
    while (server.inFlight < 3) await new Promise((resolve) => setTimeout(resolve, 2));
    await (await post(server, chatBody('pass'))).json();
    assert.equal(server.inFlightMax, 4);
    controller.abort();
    await Promise.all(held);
    while (server.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    assert.equal(server.inFlightMax, 4);
    server.resetRecords();
    assert.equal(server.inFlightMax, 0);
  });

  it('answers 500 when the script itself throws, and keeps serving', async () => {
    server.setScript(() => {
      throw new Error('bad script');
    });
    const res = await post(server, chatBody('x'));
    assert.equal(res.status, 500);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /bad script/);
    server.setScript(undefined);
    assert.equal((await post(server, chatBody('y'))).status, 200);
  });

  it('can be extended with new routes', async () => {
    server.route('GET', '/v1/models', () => ({ status: 200, body: { object: 'list', data: [] } }));
    const res = await fetch(`${server.baseUrl}/models`);
    assert.deepEqual(await res.json(), { object: 'list', data: [] });
  });
});

describe('MockServer lifecycle', () => {
  it('refuses to listen anywhere but 127.0.0.1', async () => {
    await assert.rejects(MockServer.start({ host: '0.0.0.0' }), /127\.0\.0\.1/);
  });

  it('closes even while requests hang', async () => {
    const server = await MockServer.start({ script: (): MockFault => ({ kind: 'hang' }) });
    const pending = post(server, chatBody('x'));
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await server.close();
    await assert.rejects(pending);
  });

  it('keeps no records when recording is off', async () => {
    const server = await MockServer.start({ record: false });
    try {
      await (await post(server, chatBody('x'))).json();
      assert.equal(server.requests.length, 0);
      assert.equal(server.inFlightMax, 1);
    } finally {
      await server.close();
    }
  });
});

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { HttpBodyError, fetchTransport, nodeHttpTransport } from '../../../src/core/providers/httpTransport';
import type { HttpTransport } from '../../../src/core/providers/httpTransport';
import { OpenAIProvider } from '../../../src/core/providers/openaiProvider';
import { APIConnectionError, InvalidResponseError } from '../../../src/core/errors';

// A self-signed certificate for 127.0.0.1 that exists only for these tests.
const testCert = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBmzCCAUGgAwIBAgIUcxu9boh1zCHyZgA8VTBGTD5doTIwCgYIKoZIzj0EAwIw',
  'FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNjAyNDIyMVoYDzIxMjYxMTAy',
  'MDI0MjIxWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO',
  'PQMBBwNCAAQ8riI7x16rRGJI5WUzCM1PG4CBT5EzwG2kJwyGcS9YDyj+JMstDlvQ',
  '+YcZkHFhZfDjEc57olNYAi5QMh1L6gy/o28wbTAdBgNVHQ4EFgQU7YDZbwmaEMF1',
  '9Efo+1Or1ttc+9MwHwYDVR0jBBgwFoAU7YDZbwmaEMF19Efo+1Or1ttc+9MwDwYD',
  'VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI',
  'zj0EAwIDSAAwRQIgSVYxkPcE3jtqsxJc9xtzfCuB10dv6L9UPjSZLTOkl/0CIQD2',
  'ma88CRiJd1OCTX7/AnqExZSOfSxoj+PoGRNKCqPfYg==',
  '-----END CERTIFICATE-----'
].join('\n');
const testKey = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgh8Cu7m0doh6iFg23',
  'TICFXSb3tZD1iL7nlmPdZcHLDHqhRANCAAQ8riI7x16rRGJI5WUzCM1PG4CBT5Ez',
  'wG2kJwyGcS9YDyj+JMstDlvQ+YcZkHFhZfDjEc57olNYAi5QMh1L6gy/',
  '-----END PRIVATE KEY-----'
].join('\n');

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.closeAllConnections?.();
  for (const server of servers) server.close();
});

async function serve(handler: Handler, tls = false): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, Buffer.concat(chunks).toString('utf8'), response));
  };
  const server = tls ? createTlsServer({ cert: testCert, key: testKey }, listener) : createServer(listener);
  server.on(tls ? 'secureConnection' : 'connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/v1/chat/completions`, connections: () => connections };
}

const post = (transport: HttpTransport, url: string, extra: { signal?: AbortSignal; maxResponseBytes?: number; body?: string } = {}) =>
  transport({ url, method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-1234567890' }, body: extra.body ?? '{"q":1}', signal: extra.signal ?? new AbortController().signal, maxResponseBytes: extra.maxResponseBytes ?? 1024 * 1024 });

const completion = (content: string) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });

describe('nodeHttpTransport', () => {
  it('sends method, headers and body, and hands back status, headers and text over one kept-alive connection', async () => {
    const seen: Array<{ method?: string; auth?: string; type?: string; body: string }> = [];
    const server = await serve((request, body, response) => {
      seen.push({ method: request.method, auth: request.headers.authorization, type: request.headers['content-type'], body });
      response.writeHead(201, { 'x-request-id': 'req_1', 'set-cookie': ['a=1', 'b=2'] }).end('\ufeffhello');
    });
    const transport = nodeHttpTransport();
    for (let i = 0; i < 5; i++) {
      const answer = await post(transport, server.url, { body: `{"n":${i}}` });
      assert.equal(answer.status, 201);
      assert.equal(answer.text, 'hello', 'a leading BOM is dropped, as fetch does');
      assert.equal(answer.headers.get('X-Request-Id'), 'req_1');
      assert.equal(answer.headers.get('set-cookie'), 'a=1, b=2');
      assert.equal(answer.headers.get('missing'), null);
    }
    assert.deepEqual(seen[3], { method: 'POST', auth: 'Bearer sk-test-1234567890', type: 'application/json', body: '{"n":3}' });
    assert.equal(server.connections(), 1, 'five requests one after the other share one connection');
  });

  for (const [encoding, encode] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
    it(`decodes a ${encoding} answer`, async () => {
      const server = await serve((request, _body, response) => {
        assert.match(String(request.headers['accept-encoding']), new RegExp(encoding));
        response.writeHead(200, { 'content-encoding': encoding, 'content-type': 'application/json' }).end(encode(Buffer.from(completion('squeezed ü'))));
      });
      const answer = await post(nodeHttpTransport(), server.url);
      assert.equal(JSON.parse(answer.text!).choices[0].message.content, 'squeezed ü');
    });
  }

  it('reads nothing past the limit, whether the length is declared, chunked or compressed', async () => {
    const big = 'x'.repeat(5000);
    const server = await serve((request, _body, response) => {
      if (request.url?.endsWith('declared')) response.writeHead(200, { 'content-length': big.length }).end(big);
      else if (request.url?.endsWith('gzip')) response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(big));
      else {
        response.writeHead(200);
        response.write(big.slice(0, 2500));
        response.end(big.slice(2500));
      }
    });
    const transport = nodeHttpTransport();
    for (const path of ['declared', 'chunked', 'gzip']) {
      const answer = await post(transport, `${server.url}/${path}`, { maxResponseBytes: 1000 });
      assert.equal(answer.status, 200);
      assert.equal(answer.text, undefined, path);
    }
    assert.equal((await post(transport, `${server.url}/declared`, { maxResponseBytes: 1000 })).declaredLength, 5000);
    assert.equal((await post(transport, `${server.url}/declared`, { maxResponseBytes: 5000 })).text, big, 'exactly the limit is read');
  });

  it('does not follow a redirect', async () => {
    let followed = 0;
    const server = await serve((request, _body, response) => {
      if (request.url === '/elsewhere') followed++;
      response.writeHead(307, { location: '/elsewhere' }).end('moved');
    });
    const answer = await post(nodeHttpTransport(), server.url);
    assert.equal(answer.status, 307);
    assert.equal(answer.headers.get('location'), '/elsewhere');
    assert.equal(followed, 0);
  });

  it('rejects with the abort reason and closes the connection when aborted while waiting', async () => {
    let closed = false;
    const server = await serve((request) => request.socket.on('close', () => (closed = true)));
    const controller = new AbortController();
    const pending = post(nodeHttpTransport(), server.url, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('attempt timed out')), 50);
    await assert.rejects(pending, /attempt timed out/);
    for (let i = 0; i < 50 && !closed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(closed, true, 'the server sees the connection go');
    const already = new AbortController();
    already.abort(new Error('cancelled before'));
    await assert.rejects(post(nodeHttpTransport(), server.url, { signal: already.signal }), /cancelled before/);
  });

  it('tells a refused connection from an answer that broke off after its headers', async () => {
    const server = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-length': 100 });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const broken = await post(nodeHttpTransport(), server.url).then(() => undefined, (error: unknown) => error);
    assert.ok(broken instanceof HttpBodyError, String(broken));
    assert.equal(broken.status, 200);
    const refused = await post(nodeHttpTransport(), 'http://127.0.0.1:9/v1/chat/completions').then(() => undefined, (error: unknown) => error);
    assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
  });

  it('speaks https to a server whose certificate it is told to trust, and refuses one it is not', async () => {
    const server = await serve((_request, body, response) => response.writeHead(200).end(`secure ${body}`), true);
    assert.equal((await post(nodeHttpTransport({ ca: testCert }), server.url)).text, 'secure {"q":1}');
    await assert.rejects(post(nodeHttpTransport(), server.url), (error: NodeJS.ErrnoException) => /SELF_SIGNED|self.signed|UNABLE_TO_VERIFY/i.test(`${error.code} ${error.message}`));
  });
});

describe('OpenAIProvider over node:http', () => {
  const request = { provider: 'openai', messages: [{ role: 'user' as const, content: 'hi' }], model: 'm', stream: false };

  it('turns a cut-off answer into a truncated-answer error, and a refused connection into a connection error naming the code', async () => {
    const server = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-length': 500 });
      response.write('{"id":"c1",');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const provider = new OpenAIProvider({ apiBase: server.url.replace('/chat/completions', ''), apiKey: 'sk-test-abcdefghijklmnop' });
    await assert.rejects(provider.makeRequest(request, new AbortController().signal), (error: unknown) => error instanceof InvalidResponseError && /cut off/.test(error.message));
    const refused = new OpenAIProvider({ apiBase: 'http://127.0.0.1:9/v1' });
    await assert.rejects(refused.makeRequest(request, new AbortController().signal), (error: unknown) => error instanceof APIConnectionError && /ECONNREFUSED/.test(error.message));
  });

  it('answers the same through an injected fetch and through node:http', async () => {
    const server = await serve((_request, _body, response) => response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_9' }).end(completion('same')));
    const apiBase = server.url.replace('/chat/completions', '');
    const viaNode = await new OpenAIProvider({ apiBase }).makeRequest(request, new AbortController().signal);
    const viaFetch = await new OpenAIProvider({ apiBase, transport: fetchTransport(globalThis.fetch) }).makeRequest(request, new AbortController().signal);
    assert.deepEqual(viaNode.body, viaFetch.body);
    assert.equal(viaNode.requestId, 'req_9');
    assert.equal(viaFetch.requestId, 'req_9');
  });
});

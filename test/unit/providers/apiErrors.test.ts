import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  describeError,
  makeAPIError,
  redactBody,
  redactHeaders,
  redactSecrets,
  withoutSecrets,
} from '../../../src/core/errors';

describe('makeAPIError', () => {
  it('maps each status to its error class and stable code', () => {
    const cases: [number, new (...args: never[]) => APIError, string][] = [
      [400, BadRequestError, 'bad_request'],
      [401, AuthenticationError, 'authentication'],
      [403, PermissionDeniedError, 'permission_denied'],
      [404, NotFoundError, 'not_found'],
      [409, ConflictError, 'conflict'],
      [422, UnprocessableEntityError, 'unprocessable_entity'],
      [429, RateLimitError, 'rate_limit'],
      [500, InternalServerError, 'server_error'],
      [503, InternalServerError, 'server_error'],
    ];
    for (const [status, type, code] of cases) {
      const error = makeAPIError(status, { error: { message: 'boom' } });
      assert.ok(error instanceof type, `status ${status}`);
      assert.equal(error.code, code);
      assert.equal(error.status, status);
    }
    assert.equal(makeAPIError(408, {}).code, 'request_timeout');
    assert.equal(makeAPIError(418, {}).code, 'api_error');
  });

  it("keeps the server's own message", () => {
    const error = makeAPIError(400, { error: { message: "Unsupported value: 'temperature' does not support 0.2 with this model.", type: 'invalid_request_error' } });
    assert.equal(error.message, "400 Unsupported value: 'temperature' does not support 0.2 with this model.");
    assert.equal(makeAPIError(502, 'Bad gateway from proxy').message, '502 Bad gateway from proxy');
    assert.equal(makeAPIError(500, { error: 'model crashed' }).message, '500 model crashed');
    assert.equal(makeAPIError(500, undefined).message, '500 status code (no body)');
  });

  it('exposes the request id the server sent', () => {
    assert.equal(makeAPIError(500, {}, new Headers({ 'x-request-id': 'req_123' })).requestId, 'req_123');
  });
});

describe('secret redaction', () => {
  it('never repeats a key echoed back by the server', () => {
    const error = makeAPIError(401, { error: { message: 'Incorrect API key provided: sk-proj-abcdefghijklmnop. You can find your API key at …' } });
    assert.doesNotMatch(error.message, /abcdefghijklmnop/);
    assert.match(error.message, /Incorrect API key provided/);
  });

  it('masks bearer tokens and api-key values in any text', () => {
    const text = redactSecrets('sent Authorization: Bearer abc.def-123 and {"api-key": "azure-secret-value"} and sk-live_XYZ123');
    assert.doesNotMatch(text, /abc\.def-123|azure-secret-value|XYZ123/);
  });

  it('leaves ordinary prose alone', () => {
    const prose = 'The task-force asked a basic question about the bearer of the key.';
    assert.equal(redactSecrets(prose), prose);
  });

  it('masks credential headers when headers are shown', () => {
    const shown = redactHeaders(new Headers({ authorization: 'Bearer sk-abc12345', 'api-key': 'k', 'content-type': 'application/json' }));
    assert.deepEqual(shown, { authorization: '[redacted]', 'api-key': '[redacted]', 'content-type': 'application/json' });
  });
});

describe('error bodies kept for display', () => {
  const canary = 'sk-canary-0123456789abcdef';

  it('redacts a key echoed in a JSON body, in messages and in quoted request headers', () => {
    const body = {
      error: {
        message: `Incorrect API key provided: ${canary}.`,
        type: 'invalid_request_error',
        headers: { Authorization: `Bearer ${canary}`, 'api-key': 'plainazurekey0123', 'content-type': 'application/json' },
        debug: [`curl -H "authorization: Bearer ${canary}"`, { nested: { deeper: `key=${canary}` } }],
      },
    };
    const error = makeAPIError(400, body);
    const shown = JSON.stringify(error.body);
    assert.doesNotMatch(shown, /0123456789abcdef|plainazurekey0123/);
    assert.match(shown, /Incorrect API key provided/);
    assert.match(shown, /application\/json/, 'what is not a credential is kept');
    assert.equal((error.body as typeof body).error.type, 'invalid_request_error');
    assert.doesNotMatch(error.message, /0123456789abcdef/);
    assert.match(JSON.stringify(body), /0123456789abcdef/, "the caller's own object is left as it was");
  });

  it('redacts a key echoed in a text body', () => {
    const error = makeAPIError(502, `Bad gateway\nPOST /v1/chat/completions\nauthorization: Bearer ${canary}\nx-api-key: abcdef0123456789\n`);
    assert.equal(typeof error.body, 'string');
    assert.doesNotMatch(String(error.body), /0123456789abcdef|abcdef0123456789/);
    assert.match(String(error.body), /Bad gateway/);
  });

  it('masks a key without a recognisable prefix once its holder names it', () => {
    const plainKey = 'a3f9c2e8d1b04f6e9a7c5b3d2e1f0a9b';
    const error = withoutSecrets(makeAPIError(401, { error: { message: `key ${plainKey} is not valid`, echoed: [plainKey] } }), [plainKey]);
    assert.doesNotMatch(error.message, new RegExp(plainKey));
    assert.doesNotMatch(JSON.stringify(error.body), new RegExp(plainKey));
    assert.match(error.message, /key \[redacted\] is not valid/);
  });

  it('keeps bodies without secrets as they were', () => {
    const body = { error: { message: 'model not found', code: 404, param: null, tags: ['a', 1, true] } };
    assert.deepEqual(makeAPIError(404, body).body, body);
    assert.equal(makeAPIError(500, undefined).body, undefined);
    assert.deepEqual(redactBody([1, 'two', { three: 3 }]), [1, 'two', { three: 3 }]);
  });

  it('survives a body nested far deeper than any real one, dropping what lies past the limit', () => {
    const depth = 100_000;
    const deep = JSON.parse(`${'{"inner":'.repeat(depth)}"unread-token"${'}'.repeat(depth)}`) as unknown;
    const error = makeAPIError(500, deep);
    assert.equal(error.code, 'server_error');
    assert.doesNotMatch(JSON.stringify(error.body), /unread-token/);
    assert.match(JSON.stringify(error.body), /^\{"inner":\{"inner":/);
  });
});

describe('describeError', () => {
  it('gives the code, message and status a failure record stores', () => {
    assert.deepEqual(describeError(makeAPIError(429, { error: { message: 'slow down' } })), { code: 'rate_limit', message: '429 slow down', statusCode: 429 });
    assert.deepEqual(describeError(new APIUserAbortError()), { code: 'cancelled', message: 'Request was cancelled.' });
    assert.equal(describeError(new Error('Bearer secret-token failed')).code, 'provider_error');
    assert.doesNotMatch(describeError(new Error('Bearer secret-token failed')).message, /secret-token/);
  });
});

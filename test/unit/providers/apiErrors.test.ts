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
  redactHeaders,
  redactSecrets,
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

describe('describeError', () => {
  it('gives the code, message and status a failure record stores', () => {
    assert.deepEqual(describeError(makeAPIError(429, { error: { message: 'slow down' } })), { code: 'rate_limit', message: '429 slow down', statusCode: 429 });
    assert.deepEqual(describeError(new APIUserAbortError()), { code: 'cancelled', message: 'Request was cancelled.' });
    assert.equal(describeError(new Error('Bearer secret-token failed')).code, 'provider_error');
    assert.doesNotMatch(describeError(new Error('Bearer secret-token failed')).message, /secret-token/);
  });
});

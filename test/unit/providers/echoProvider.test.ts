import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EchoProvider } from '../../../src/core/providers/echoProvider';
import { APIUserAbortError, InvalidRequestError } from '../../../src/core/errors';
import { chatItem } from '../engine/engineFixtures';

const never = new AbortController().signal;

describe('EchoProvider', () => {
  it('answers with the last user message, offline and without a key', async () => {
    const provider = new EchoProvider();
    const request = chatItem('a', 'ignored', {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is 2+2?' },
      ],
    }).request;
    const { body, statusCode } = await provider.makeRequest(request, never);
    assert.equal(statusCode, 200);
    assert.equal(body.choices[0]?.message.content, 'Echo: What is 2+2?');
    assert.equal(body.model, 'gpt-test');
    assert.equal(body.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(provider.identity, { providerId: 'echo', apiBase: 'echo:' });
  });

  it('gives the same answer every time for the same request', async () => {
    const provider = new EchoProvider();
    const request = chatItem('a', 'Same question').request;
    const first = await provider.makeRequest(request, never);
    const second = await provider.makeRequest(request, never);
    assert.equal(first.body.id, second.body.id);
    assert.deepEqual(first.body.choices, second.body.choices);
    const other = await provider.makeRequest(chatItem('b', 'Other question').request, never);
    assert.notEqual(other.body.id, first.body.id);
  });

  it('reports plausible usage of about four characters per token', async () => {
    const { body } = await new EchoProvider().makeRequest(chatItem('a', 'x'.repeat(400)).request, never);
    assert.ok(body.usage);
    assert.ok(body.usage.prompt_tokens >= 100 && body.usage.prompt_tokens <= 110, `prompt tokens ${body.usage.prompt_tokens}`);
    assert.equal(body.usage.completion_tokens, Math.ceil('Echo: '.length / 4 + 100));
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('cuts the answer at max_completion_tokens like a real model', async () => {
    const { body } = await new EchoProvider().makeRequest(chatItem('a', 'a long question '.repeat(20), { max_completion_tokens: 5 }).request, never);
    assert.equal(body.choices[0]?.message.content, 'Echo: a long questio');
    assert.equal(body.choices[0]?.finish_reason, 'length');
    assert.equal(body.usage?.completion_tokens, 5);
  });

  it('uses model "echo" when the request names none, and reads multi-part content', async () => {
    const request = chatItem('a', '', { model: undefined, messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe' }, { type: 'image_url', image_url: { url: 'x' } }] }] }).request;
    const { body } = await new EchoProvider().makeRequest(request, never);
    assert.equal(body.model, 'echo');
    assert.equal(body.choices[0]?.message.content, 'Echo: Describe');
  });

  it('refuses stream: true like any provider', async () => {
    await assert.rejects(new EchoProvider().makeRequest(chatItem('a', 'x', { stream: true }).request, never), InvalidRequestError);
  });

  it('waits the injected latency and stops waiting when aborted', async () => {
    const slept: number[] = [];
    const provider = new EchoProvider({
      latencyMs: (request) => (request.model === 'slow' ? 1_000 : 10),
      clock: {
        now: () => 0,
        sleep: (ms, signal) => {
          slept.push(ms);
          return new Promise((resolve, reject) => {
            if (ms < 100) return resolve();
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          });
        },
      },
    });
    await provider.makeRequest(chatItem('a', 'x').request, never);
    const controller = new AbortController();
    const slow = provider.makeRequest(chatItem('b', 'x', { model: 'slow' }).request, controller.signal);
    controller.abort(new APIUserAbortError());
    await assert.rejects(slow, APIUserAbortError);
    assert.deepEqual(slept, [10, 1_000]);
  });
});

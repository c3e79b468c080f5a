import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestBatch } from '../../../src/core/engine/requestBatch';
import { RequestManager } from '../../../src/core/engine/requestManager';
import { EchoProvider } from '../../../src/core/providers/echoProvider';
import { InvalidRequestError } from '../../../src/core/errors';
import { answerOf } from './engineFixtures';

describe('RequestBatch', () => {
  it('collects requests with the OpenAI call shape and returns their ids', () => {
    const batch = new RequestBatch();
    const first = batch.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.2 });
    const second = batch.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Bye' }], custom_id: 'farewell' });
    assert.equal(first, 'request-1');
    assert.equal(second, 'farewell');
    assert.equal(batch.length, 2);
    const items = [...batch];
    assert.deepEqual(items.map((item) => item.id), ['request-1', 'farewell']);
    assert.equal(items[0]?.request.provider, 'openai');
    assert.equal(items[0]?.request.temperature, 0.2);
    assert.equal('custom_id' in (items[1]?.request ?? {}), false);
  });

  it('uses the provider given to the batch unless a request names its own', () => {
    const batch = new RequestBatch({ provider: 'echo' });
    batch.chat.completions.create({ messages: [{ role: 'user', content: 'a' }] });
    batch.chat.completions.create({ messages: [{ role: 'user', content: 'b' }], provider: 'local' });
    assert.deepEqual(batch.items.map((item) => item.request.provider), ['echo', 'local']);
  });

  it('rejects an invalid request at once, naming the field', () => {
    const batch = new RequestBatch();
    assert.throws(() => batch.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 3 }), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.match(error.message, /temperature must be between 0 and 2 \(got 3\)/);
      assert.match(error.message, /request-1/);
      return true;
    });
    assert.throws(() => batch.chat.completions.create({ model: 'm', messages: [] }), /messages: a request needs at least one message/);
    assert.throws(
      () => batch.chat.completions.create({ model: 'm', messages: [{ role: 'robot' as 'user', content: 'x' }] }),
      /messages\[0\]\.role/,
    );
    assert.equal(batch.length, 0, 'nothing invalid was added');
  });

  it('rejects misspelt parameters and reused ids instead of silently dropping them', () => {
    const batch = new RequestBatch();
    const misspelt = { model: 'm', messages: [{ role: 'user' as const, content: 'x' }], temprature: 0.5 };
    assert.throws(() => batch.chat.completions.create(misspelt), /unknown parameter "temprature"/);
    batch.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], custom_id: 'same' });
    assert.throws(() => batch.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'y' }], custom_id: 'same' }), /already used/);
  });

  it('runs through the RequestManager with results under the same ids', async () => {
    const batch = new RequestBatch({ provider: 'echo' });
    batch.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'one' }] });
    batch.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'two' }], custom_id: 'second' });
    const { results } = await new RequestManager(new EchoProvider()).processBatch(batch);
    assert.deepEqual(results.map((result) => [result.id, answerOf(result)]), [
      ['request-1', 'Echo: one'],
      ['second', 'Echo: two'],
    ]);
  });
});

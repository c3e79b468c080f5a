import assert from 'node:assert/strict';
import { get, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// The engine's mock OpenAI server runs the same way: started by a test inside the host.
describe('loopback networking from the extension host', () => {
  it('reaches an HTTP server the test starts on 127.0.0.1, with fetch and with node:http', async () => {
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/v1/models`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { path: '/v1/models' });

      const body = await new Promise<string>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/v1/chat/completions`, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        }).on('error', reject);
      });
      assert.deepEqual(JSON.parse(body), { path: '/v1/chat/completions' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

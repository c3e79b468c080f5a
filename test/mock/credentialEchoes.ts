import type { MockFault, MockScriptContext } from './mockServer';
import { chatCompletionFor } from './mockResponses';

/**
 * Answers that quote the request's credentials back, the way careless proxies
 * and debug servers do — and a model does when a prompt injection asks it to;
 * chosen by a phrase in the request: errors (`echo 401`, `echo headers`,
 * `echo text`, `echo 2xx`, `echo html`, `redirect` to `elsewhere`) and
 * successful answers (`echo answer`, `echo escaped`).
 */
export function echoingFault(ctx: MockScriptContext, elsewhere: string): MockFault | undefined {
  const content = JSON.stringify(ctx.body);
  const authorization = String(ctx.headers.authorization ?? '');
  const bareKey = authorization.replace(/^Bearer\s+/i, '');
  if (content.includes('echo 401')) return { kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${bareKey}. Header was "Authorization: ${authorization}".` } } };
  if (content.includes('echo headers')) return { kind: 'status', status: 400, body: { error: { type: 'invalid_request_error', headers: ctx.headers } } };
  if (content.includes('echo text')) return { kind: 'status', status: 502, body: `Bad gateway\nPOST ${ctx.path}\nauthorization: ${authorization}\n` };
  if (content.includes('echo 2xx')) return { kind: 'ok', body: { error: { message: `upstream refused key=${bareKey}` } } };
  if (content.includes('echo html')) return { kind: 'ok', body: `<html>debug: ${authorization}</html>` };
  if (content.includes('redirect')) return { kind: 'status', status: 307, headers: { location: `${elsewhere}/chat/completions` }, body: '' };
  if (content.includes('echo answer') || content.includes('echo escaped')) return echoingAnswer(ctx, bareKey, content.includes('echo escaped'));
  return undefined;
}

/**
 * A valid chat completion that carries the key in its content, in another
 * field and in its request id; `escaped` spells it in the JSON text with
 * `\u` escapes, so only a parser sees it.
 */
function echoingAnswer(ctx: MockScriptContext, key: string, escaped: boolean): MockFault {
  const completion = chatCompletionFor(ctx.body as { messages: unknown[] }, ctx.index, Date.now());
  const choices = completion.choices as Array<{ message: { content: string } }>;
  const marker = '@@KEY@@';
  choices[0]!.message.content = `Sure. The header you sent was "Authorization: Bearer ${escaped ? marker : key}". ${choices[0]!.message.content}`;
  completion.system_fingerprint = escaped ? marker : key;
  completion.debug = { headers: { authorization: `Bearer ${escaped ? marker : key}` }, [escaped ? marker : key]: 'as a field name' };
  const headers = { 'x-request-id': `req_${key}` };
  if (!escaped) return { kind: 'ok', headers, body: completion };
  const spelled = [...key].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  return { kind: 'ok', headers, body: JSON.stringify(completion).split(marker).join(spelled) };
}

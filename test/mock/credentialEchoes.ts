import type { MockFault, MockScriptContext } from './mockServer';

/**
 * Error answers that quote the request's credentials back, the way careless
 * proxies and debug servers do; chosen by a phrase in the request
 * (`echo 401`, `echo headers`, `echo text`, `echo 2xx`, `echo html`,
 * `redirect` to `elsewhere`).
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
  return undefined;
}

import { AuthorizerFailure } from '../errors.ts';

/**
 * The most of a JWKS or discovery response the authorizer reads: 256 KiB. An RSA key with its
 * certificate (`x5c`) takes about 2 KiB of JSON, so even a set of a dozen such keys stays near
 * 25 KiB, and a discovery document is a few KiB: the cap is ten times the largest real one. Past
 * it, a key host answering with hundreds of MB (a misconfigured CDN or proxy is enough) would take
 * the authorizer's 256 MB: fetch buffers the whole body, then decodes and parses it into copies.
 */
export const MAX_KEYS_RESPONSE_BYTES = 256 * 1024;

/** What a capped fetch tells about the response it refused: who it was for. */
export type CappedFetchOf = 'JWKS' | 'OpenID discovery';

/**
 * fetch, with a 200 response's body read here up to `maxBytes` and handed on whole (a body
 * larger than that is `jwks_invalid`, 500). It stops at the first chunk past the cap, or before
 * reading anything when `Content-Length` already says more, and cancels the body, which closes
 * the connection rather than draining it. The count is of the bytes fetch hands out, after any
 * `Content-Encoding` is undone, so a small compressed body that inflates past the cap stops too.
 * Any other status is passed on with its body unread (the caller refuses it); `init.signal`
 * bounds the whole read, as it bounds fetch's own.
 *
 * Hand-written because fetch has no size limit, and jose's `createRemoteJWKSet` reads the body
 * with `response.json()`; it takes this as its `customFetch`.
 */
export async function cappedFetch(
  of: CappedFetchOf,
  url: string | URL,
  init: RequestInit,
  maxBytes = MAX_KEYS_RESPONSE_BYTES,
): Promise<Response> {
  const response = await fetch(url, init);
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel().catch(() => {});
    return response;
  }
  const tooLarge = () =>
    new AuthorizerFailure('jwks_invalid', `${of} response is larger than ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body.cancel().catch(() => {});
    throw tooLarge();
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return new Response(Buffer.concat(chunks), { status: 200 });
}

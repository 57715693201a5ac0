import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { AuthorizerFailure } from '../errors.ts';

/**
 * The most of a JWKS or discovery response the authorizer reads: 256 KiB. An RSA key with its
 * certificate (`x5c`) takes about 2 KiB of JSON, so even a set of a dozen such keys stays near
 * 25 KiB, and a discovery document is a few KiB: the cap is ten times the largest real one. Past
 * it, a key host answering with hundreds of MB (a misconfigured CDN or proxy is enough) would take
 * the authorizer's 256 MB.
 */
export const MAX_KEYS_RESPONSE_BYTES = 256 * 1024;

/** How many times a request that failed on a reused connection is sent again (see `send`). */
const REUSED_CONNECTION_RETRIES = 3;

/** Who asks, for the key host's logs. */
const USER_AGENT = 'two-layer-authz (JWKS)';

/** What a capped GET is for, as its refusals name it. */
export type KeyDocument = 'JWKS' | 'OpenID discovery';

/**
 * A 200 response whose body cannot be decoded: a `Content-Encoding` we did not ask for, or a
 * compressed body that is corrupt or cut short. The key host's fault, as a body that is not JSON.
 */
export class UndecodableBody extends Error {
  override readonly name = 'UndecodableBody';
}

export interface KeyHostResponse {
  readonly status: number;
  /** A 200 response's body as JSON (a `SyntaxError` if it is not); undefined for any other status. */
  readonly json: () => unknown;
}

const ACCEPT: Record<KeyDocument, string> = {
  JWKS: 'application/json, application/jwk-set+json',
  'OpenID discovery': 'application/json',
};

/**
 * One GET of a key document: no redirect followed (a 3xx is passed on like any status other than
 * 200, for the caller to refuse), a 200 response's body read up to `maxBytes` (past it,
 * `jwks_invalid`, 500), `signal` bounding the whole exchange, body included (its reason, a
 * `TimeoutError`, is what a timeout throws). It refuses before reading anything when
 * `Content-Length` already says more than the cap, and stops at the first chunk past it
 * otherwise, closing the connection rather than draining it. The count is of the bytes after any
 * `Content-Encoding` is undone, so a small compressed body that inflates past the cap stops too.
 *
 * Hand-written over node:http and node:https rather than the global fetch: Node loads its fetch
 * implementation (undici) on the first call, and in a fresh process that load costs more than
 * the whole rest of the authorizer's init (test/bench/RESULTS.md, cold start). Lambda pays it
 * on every cold start whose init fetches keys. fetch would also need this cap written around it:
 * it has no size limit.
 */
export async function cappedGet(
  of: KeyDocument,
  url: URL,
  { signal }: { readonly signal: AbortSignal },
  maxBytes = MAX_KEYS_RESPONSE_BYTES,
): Promise<KeyHostResponse> {
  try {
    const response = await send(of, url, signal);
    if (response.statusCode !== 200) {
      response.destroy();
      return { status: response.statusCode ?? 0, json: () => undefined };
    }
    const tooLarge = () =>
      new AuthorizerFailure('jwks_invalid', `${of} response is larger than ${maxBytes} bytes`);
    if (Number(response.headers['content-length']) > maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    const body = await readDecoded(of, response, maxBytes, tooLarge);
    // TextDecoder drops a UTF-8 byte order mark, as fetch's `json()` does.
    const text = new TextDecoder().decode(body);
    return { status: 200, json: () => JSON.parse(text) };
  } catch (error) {
    if (error instanceof AuthorizerFailure) throw error;
    throw signal.aborted ? signal.reason : error;
  }
}

/**
 * The request, on Node's global agents (keep-alive: discovery and then the JWKS share one
 * connection; `NODE_USE_ENV_PROXY` applies as it does to fetch). A kept-alive connection may have
 * been closed by the key host while the Lambda environment was frozen, which only shows when it
 * is reused: such a request is sent again, as Node's documentation advises for idempotent
 * requests. The agent may hold more than one such connection (issuers sharing a key host), each
 * dropped from its pool as it fails, so a request is sent again while it failed on a reused one,
 * at most `REUSED_CONNECTION_RETRIES` times; a new connection's failure is the key host's.
 */
function send(
  of: KeyDocument,
  url: URL,
  signal: AbortSignal,
  retries = REUSED_CONNECTION_RETRIES,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      signal,
      headers: {
        accept: ACCEPT[of],
        // Not deflate: servers disagree on what it means (zlib-wrapped or raw), gzip says it once.
        'accept-encoding': 'gzip, br',
        // node:http sends none, and firewalls in front of key hosts often refuse a request
        // without one (AWS WAF's core rule set does: NoUserAgent_HEADER).
        'user-agent': USER_AGENT,
      },
    });
    let responded = false;
    request.once('response', (response: IncomingMessage) => {
      responded = true;
      resolve(response);
    });
    // `on`, not `once`: a connection that fails after the response began reports here too (the
    // response's own stream reports it to the reader then), and must not be sent again.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (
        !responded &&
        retries > 0 &&
        request.reusedSocket &&
        !signal.aborted &&
        error.code === 'ECONNRESET'
      )
        send(of, url, signal, retries - 1).then(resolve, reject);
      else reject(error);
    });
    request.end();
  });
}

/**
 * The body with its `Content-Encoding` undone, read up to `maxBytes` of decoded bytes. A decoder
 * that fails (a corrupt or truncated body) is `UndecodableBody`.
 */
async function readDecoded(
  of: KeyDocument,
  response: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase() || 'identity';
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'br'
        ? createBrotliDecompress()
        : undefined;
  if (!decoder) {
    if (encoding === 'identity') return readUpTo(response, maxBytes, tooLarge);
    response.destroy();
    throw new UndecodableBody(`${of} response has Content-Encoding ${encoding}`);
  }
  // The pipeline hands a failure of the response (a connection reset, the timeout) on to the
  // decoder: only an error the decoder raised itself says the body is bad.
  let upstream: unknown;
  let undecodable = false;
  response.once('error', (error) => (upstream = error));
  decoder.once('error', (error) => (undecodable = error !== upstream));
  try {
    return await readUpTo(
      pipeline(response, decoder, () => {}),
      maxBytes,
      tooLarge,
    );
  } catch (error) {
    if (undecodable && !(error instanceof AuthorizerFailure))
      throw new UndecodableBody(`${of} response is not valid ${encoding}`, { cause: error });
    throw error;
  }
}

/** The stream's bytes, or `tooLarge()` at the first chunk past `maxBytes` (the stream destroyed). */
async function readUpTo(
  stream: Readable,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop by a throw destroys the stream, and the pipeline the response under it.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

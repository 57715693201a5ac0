import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { JWK } from 'jose';
import { AuthorizerFailure } from '../../src/authorizer/errors.ts';
import { cappedGet, UndecodableBody } from '../../src/authorizer/keys/capped-get.ts';
import { createFailureBackoff } from '../../src/authorizer/keys/failure-backoff.ts';
import { isFresh, keySetOf, servesWhileFailing } from '../../src/authorizer/keys/key-set.ts';
import { algorithmsFor, isUsableKey } from '../../src/authorizer/keys/usable-key.ts';
import { failureOf } from '../support/failure-of.ts';

/** The small units the key resolver is built from, each on its own. */
describe('a key usable for verification', () => {
  const RSA = { kty: 'RSA', n: 'AQAB', e: 'AQAB' };
  const P256 = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
  const ED = { kty: 'OKP', crv: 'Ed25519', x: 'x' };
  const DEFAULT = ['RS256', 'ES256', 'EdDSA'];
  it.each([
    ['an RSA key with nothing else said', RSA, true],
    ['an RSA key for signatures', { ...RSA, use: 'sig', key_ops: ['verify'] }, true],
    ['an RSA key for RS256', { ...RSA, alg: 'RS256' }, true],
    ['an EC P-256 key', P256, true],
    ['an Ed25519 key', ED, true],
    ['an RSA key for encryption (use)', { ...RSA, use: 'enc' }, false],
    ['an RSA key for encryption (key_ops)', { ...RSA, key_ops: ['encrypt'] }, false],
    ['an RSA key whose key_ops are not a list', { ...RSA, key_ops: 'verify' }, false],
    ['an RSA key for RSA-OAEP', { ...RSA, alg: 'RSA-OAEP' }, false],
    ['an RSA key for an algorithm not allowed', { ...RSA, alg: 'PS256' }, false],
    ['an RSA key that names ES256', { ...RSA, alg: 'ES256' }, false],
    ['an EC key on P-384', { ...P256, crv: 'P-384' }, false],
    ['an X25519 key', { ...ED, crv: 'X25519' }, false],
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }, false],
  ])('%s: %p', (_name, key, usable) => {
    expect(isUsableKey(key as JWK, DEFAULT)).toBe(usable);
  });

  it('follows the allowlist: P-384 is usable once ES384 is allowed', () => {
    expect(isUsableKey({ ...P256, crv: 'P-384' }, ['ES384'])).toBe(true);
  });

  it.each([
    ['an RSA key without alg: every allowed RSA algorithm', RSA, ['RS256', 'PS256']],
    ['an RSA key for RS256: that one', { ...RSA, alg: 'RS256' }, ['RS256']],
    ['an EC P-256 key: ES256', P256, ['ES256']],
    ['an encryption key: none', { ...RSA, use: 'enc' }, []],
  ])('serves the allowed algorithms it fits (what the prefetch warms): %s', (_name, key, algs) => {
    expect(algorithmsFor(key as JWK, ['RS256', 'PS256', 'ES256'])).toEqual(algs);
  });
});

describe('the failure backoff', () => {
  it('answers with the last failure until its time is up, then not', () => {
    let clock = 0;
    const backoff = createFailureBackoff(2000, () => clock);
    expect(backoff.active()).toBeUndefined();
    const failure = new AuthorizerFailure('jwks_unavailable');
    backoff.record(failure);
    clock = 1999;
    expect(backoff.active()).toBe(failure);
    clock = 2000;
    expect(backoff.active()).toBeUndefined();
  });

  it('ends at once when a fetch succeeds', () => {
    const backoff = createFailureBackoff(2000, () => 0);
    backoff.record(new AuthorizerFailure('jwks_timeout'));
    backoff.clear();
    expect(backoff.active()).toBeUndefined();
    expect(backoff.unresolved()).toBeUndefined();
  });

  it('keeps the failure past its time, until a fetch succeeds (the set is still not refreshed)', () => {
    let clock = 0;
    const backoff = createFailureBackoff(2000, () => clock);
    const failure = new AuthorizerFailure('jwks_unavailable');
    backoff.record(failure);
    clock = 60_000;
    expect(backoff.active()).toBeUndefined();
    expect(backoff.unresolved()).toBe(failure);
    backoff.clear();
    expect(backoff.unresolved()).toBeUndefined();
  });
});

describe('a loaded key set', () => {
  const ages = { cacheMaxAgeMs: 600_000, maxStaleMs: 3_600_000 };
  const set = keySetOf({ keys: [] }, 1_000);
  it('is fresh for cacheMaxAge after it loaded', () => {
    expect(isFresh(set, ages, 1_000 + 599_999)).toBe(true);
    expect(isFresh(set, ages, 1_000 + 600_000)).toBe(false);
    expect(isFresh(undefined, ages, 0)).toBe(false);
  });

  it('serves while refreshes fail for maxStale after it loaded, not a moment longer', () => {
    expect(servesWhileFailing(set, ages, 1_000 + 3_600_000)).toBe(true);
    expect(servesWhileFailing(set, ages, 1_000 + 3_600_001)).toBe(false);
    expect(servesWhileFailing(undefined, ages, 0)).toBe(false);
  });
});

describe('a capped GET (JWKS and discovery bodies)', () => {
  type Answer = (res: ServerResponse, req: IncomingMessage) => void;
  let answer: Answer = (res) => res.end();
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => answer(res, req));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const fetchWith = (next: Answer, maxBytes = 1000, timeoutMs = 2000) => {
    answer = next;
    return cappedGet('JWKS', new URL(url), { signal: AbortSignal.timeout(timeoutMs) }, maxBytes);
  };
  /** The key host drops every connection, and the client's agent has seen them go. */
  const noConnectionLeft = async () => {
    server.closeAllConnections();
    await sleep(50);
  };
  const chunked = (body: string) => (res: ServerResponse) => {
    res.writeHead(200);
    for (let i = 0; i < body.length; i += 100) res.write(body.slice(i, i + 100));
    res.end();
  };

  it('hands on a body of exactly the cap, whole', async () => {
    const body = JSON.stringify('a'.repeat(998));
    expect(body).toHaveLength(1000);
    const response = await fetchWith(chunked(body));
    expect([response.status, response.json()]).toEqual([200, 'a'.repeat(998)]);
  });

  it('undoes gzip and br, and drops a UTF-8 byte order mark, as fetch did', async () => {
    const doc = { keys: [] };
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(doc)),
    ]);
    const encoded = {
      gzip: gzipSync(bytes),
      br: brotliCompressSync(bytes),
    };
    for (const [encoding, body] of Object.entries(encoded)) {
      const response = await fetchWith((res) =>
        res.writeHead(200, { 'content-encoding': encoding }).end(body),
      );
      expect([encoding, response.json()]).toEqual([encoding, doc]);
    }
  });

  it('asks for JSON, says which encodings it can undo and who asks', async () => {
    let headers: IncomingMessage['headers'] = {};
    await fetchWith((res, req) => {
      headers = req.headers;
      res.end('{}');
    });
    expect(headers).toMatchObject({
      accept: 'application/json, application/jwk-set+json',
      'accept-encoding': 'gzip, br',
      'user-agent': 'two-layer-authz (JWKS)',
    });
  });

  it.each(['zstd', 'deflate'])(
    'refuses a Content-Encoding it did not ask for (%s) as undecodable, rather than parse it as JSON',
    async (encoding) => {
      const failure = await failureOf(
        fetchWith((res) =>
          res.writeHead(200, { 'content-encoding': encoding }).end(deflateSync('{}')),
        ),
      );
      expect(failure).toBeInstanceOf(UndecodableBody);
      expect(failure).toMatchObject({
        message: `JWKS response has Content-Encoding ${encoding}`,
      });
    },
  );

  it('refuses a corrupt or truncated gzip body as undecodable', async () => {
    const whole = gzipSync(JSON.stringify({ keys: [] }));
    const corrupt = Buffer.from(whole);
    corrupt[12] = corrupt[12]! ^ 0xff;
    for (const body of [corrupt, whole.subarray(0, whole.length - 6)]) {
      const failure = await failureOf(
        fetchWith((res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(body)),
      );
      expect(failure).toBeInstanceOf(UndecodableBody);
    }
  });

  it('tells a connection reset in the middle of a gzip body from an undecodable one', async () => {
    const body = gzipSync('a'.repeat(500));
    let asked = 0;
    const failure = await failureOf(
      fetchWith((res, req) => {
        asked += 1;
        res.writeHead(200, { 'content-encoding': 'gzip' }).write(body.subarray(0, 20));
        setTimeout(() => req.socket.resetAndDestroy(), 20);
      }),
    );
    expect(failure).not.toBeInstanceOf(UndecodableBody);
    expect(failure).toMatchObject({ code: 'ECONNRESET' });
    await sleep(100);
    expect(asked).toBe(1);
  });

  it('reads a body whose Content-Encoding is empty as it is', async () => {
    const response = await fetchWith((res) =>
      res.writeHead(200, { 'content-encoding': '' }).end('{"keys":[]}'),
    );
    expect(response.json()).toEqual({ keys: [] });
  });

  it('follows no redirect: a 302 is passed on as it is, and its target is never asked', async () => {
    const asked: string[] = [];
    const response = await fetchWith((res, req) => {
      asked.push(req.url!);
      res.writeHead(302, { location: '/elsewhere.json' }).end();
    });
    expect([response.status, asked]).toEqual([302, ['/jwks.json']]);
  });

  it('sends a request once more on a new connection when a kept-alive one turns out closed', async () => {
    // The key host resets the second request a connection carries: what a client meets when it
    // reuses a connection the host closed while the Lambda environment was frozen.
    const served = new WeakMap<object, number>();
    const connections = new Set<object>();
    const resetReused: Answer = (res, req) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      connections.add(req.socket);
      if (n > 1) {
        resets += 1;
        req.socket.resetAndDestroy();
      } else res.end('{"keys":[]}');
    };
    let resets = 0;
    expect((await fetchWith(resetReused)).json()).toEqual({ keys: [] });
    expect((await fetchWith(resetReused)).json()).toEqual({ keys: [] });
    expect({ resets, connections: connections.size }).toEqual({ resets: 1, connections: 2 });
  });

  it('does not send again when a new connection is reset: that is the key host failing', async () => {
    await noConnectionLeft();
    let asked = 0;
    const failure = await failureOf(
      fetchWith((_res, req) => {
        asked += 1;
        req.socket.resetAndDestroy();
      }),
    );
    expect(failure).toMatchObject({ code: 'ECONNRESET' });
    await sleep(100);
    expect(asked).toBe(1);
  });

  it('does not send again when a kept-alive connection fails after the response began', async () => {
    await noConnectionLeft();
    let asked = 0;
    const connections = new Set<object>();
    const partly: Answer = (res, req) => {
      asked += 1;
      connections.add(req.socket);
      if (asked === 1) return void res.end('{"keys":[]}');
      res.writeHead(200, { 'content-length': '100' }).write('{"keys":');
      setTimeout(() => req.socket.resetAndDestroy(), 20);
    };
    expect((await fetchWith(partly)).json()).toEqual({ keys: [] });
    expect(await failureOf(fetchWith(partly))).toMatchObject({ code: 'ECONNRESET' });
    // A retry would be a third request, made after the caller had its answer.
    await sleep(100);
    expect({ asked, connections: connections.size }).toEqual({ asked: 2, connections: 1 });
  });

  it('sends again until a new connection when every kept-alive one turns out closed', async () => {
    // Two connections in the pool (issuers sharing a key host fetch at once), both closed by
    // the host while the environment was frozen.
    await noConnectionLeft();
    const served = new WeakMap<object, number>();
    const connections = new Set<object>();
    let resets = 0;
    const frozen: Answer = (res, req) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      connections.add(req.socket);
      if (n === 1) return void setTimeout(() => res.end('{"keys":[]}'), 30);
      resets += 1;
      req.socket.resetAndDestroy();
    };
    await Promise.all([fetchWith(frozen), fetchWith(frozen)]);
    expect(connections.size).toBe(2);
    expect((await fetchWith(frozen)).json()).toEqual({ keys: [] });
    expect({ resets, connections: connections.size }).toEqual({ resets: 2, connections: 3 });
  });

  it('refuses a body one byte past the cap as jwks_invalid', async () => {
    const failure = await fetchWith(chunked('a'.repeat(1001))).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthorizerFailure);
    expect(failure).toMatchObject({
      code: 'jwks_invalid',
      message: 'JWKS response is larger than 1000 bytes',
    });
  });

  it('refuses on a Content-Length past the cap without waiting for the body', async () => {
    const stalled = (res: ServerResponse) =>
      res.writeHead(200, { 'content-length': '1001' }).write('{');
    await expect(fetchWith(stalled, 1000, 10_000)).rejects.toMatchObject({ code: 'jwks_invalid' });
  });

  it('counts the bytes after Content-Encoding is undone: a small gzip body inflating past the cap is refused', async () => {
    const bomb = gzipSync('a'.repeat(100_000));
    expect(bomb.length).toBeLessThan(1000);
    const gzipped = (res: ServerResponse) =>
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb);
    await expect(fetchWith(gzipped)).rejects.toMatchObject({ code: 'jwks_invalid' });
  });

  it('passes another status on, whatever its body, for the caller to refuse', async () => {
    const response = await fetchWith((res) => res.writeHead(503).end('a'.repeat(5000)));
    expect(response.status).toBe(503);
  });

  it('is bounded by the timeout while the body trickles in', async () => {
    const trickle = (res: ServerResponse) => res.writeHead(200).write('{');
    await expect(fetchWith(trickle, 1000, 200)).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

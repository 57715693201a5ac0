import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_KEYS_RESPONSE_BYTES } from '../../src/authorizer/keys/capped-get.ts';
import { authorizerForIssuers, decisionOf } from '../support/authorizer.ts';
import { methodArn, startTestIssuer, type TestIssuer } from '../support/issuer.ts';

/**
 * A key host answering with a body far larger than any real JWKS or discovery document (a
 * misconfigured CDN or proxy is enough). Read whole, it would take the authorizer's memory; it
 * must end in a logged 500 (`jwks_invalid`) instead, with the connection dropped once the cap is
 * passed, or as soon as a declared `Content-Length` says it will be. The keys in the padded
 * documents are the test issuer's, so reading them whole would allow its tokens.
 */
let issuer: TestIssuer;
beforeEach(async () => {
  issuer = await startTestIssuer(['RS256']);
});
afterEach(async () => {
  await issuer.close();
});

const ARN = methodArn('GET', '/users/42');
const CHUNK = Buffer.alloc(64 * 1024, 'a');

interface Served {
  /** Bytes handed to the connection before it ended. */
  readonly written: number;
  /** Whether the whole response went out. */
  readonly finished: boolean;
}

interface KeyHost {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** What the padded response came to, once its connection has ended. */
  readonly served: Promise<Served>;
  close(): Promise<void>;
}

/**
 * A key host serving discovery and the test issuer's JWKS, one of them padded
 * (`{…,"pad":"aaaa…"}`) to `bytes`. `stream`: sent chunk by chunk as fast as the client takes
 * them, with no length declared. `declared`: a `Content-Length` of `bytes`, then only the start
 * of the document and nothing more, so only a client that refuses on the header returns early.
 */
async function oversizedKeyHost(
  padded: 'discovery' | 'jwks',
  how: 'stream' | 'declared',
  bytes: number,
): Promise<KeyHost> {
  let report: (served: Served) => void = () => {};
  const served = new Promise<Served>((resolve) => (report = resolve));
  const server = createServer((req, res) => {
    const discovery = req.url === '/.well-known/openid-configuration';
    const doc = discovery
      ? { issuer: host, jwks_uri: `${host}/jwks.json` }
      : { keys: issuer.keys.map((k) => k.publicJwk) };
    if (discovery !== (padded === 'discovery')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      return;
    }
    sendPadded(res, doc, how, bytes, report);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: host,
    jwksUrl: `${host}/jwks.json`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendPadded(
  res: ServerResponse,
  doc: object,
  how: 'stream' | 'declared',
  bytes: number,
  report: (served: Served) => void,
) {
  const head = `${JSON.stringify(doc).slice(0, -1)},"pad":"`;
  const tail = '"}';
  let written = 0;
  const write = (chunk: string | Buffer) => {
    written += chunk.length;
    return res.write(chunk);
  };
  res.on('close', () => report({ written, finished: res.writableFinished }));
  res.writeHead(200, {
    'content-type': 'application/json',
    ...(how === 'declared' ? { 'content-length': String(bytes) } : {}),
  });
  write(head);
  if (how === 'declared') return;
  let pad = bytes - head.length - tail.length;
  const pump = () => {
    while (pad > 0) {
      const chunk = pad >= CHUNK.length ? CHUNK : CHUNK.subarray(0, pad);
      pad -= chunk.length;
      if (!write(chunk)) return void res.once('drain', pump);
    }
    written += tail.length;
    res.end(tail);
  };
  pump();
}

const trusting = (host: KeyHost, padded: 'discovery' | 'jwks') =>
  authorizerForIssuers([
    {
      issuer: host.issuer,
      audience: issuer.audience,
      // Discovery is read only when no jwksUrl is given.
      ...(padded === 'jwks' ? { jwksUrl: host.jwksUrl } : {}),
    },
  ]);

const MiB = 2 ** 20;

describe('a key host answering with an oversized body', () => {
  it.each(['jwks', 'discovery'] as const)(
    '%s streamed far past the cap (64 MiB): 500 jwks_invalid, logged, the connection dropped early instead of read to the end',
    async (padded) => {
      const host = await oversizedKeyHost(padded, 'stream', 64 * MiB);
      try {
        const sut = trusting(host, padded);
        const token = await issuer.sign({ claims: { iss: host.issuer } });
        const decision = await decisionOf(sut, token, ARN);
        expect([decision.outcome.kind, decision.code]).toEqual(['error', 'jwks_invalid']);
        expect(sut.lastLog()).toMatchObject({
          decision: 'error',
          code: 'jwks_invalid',
          detail: expect.stringContaining(`larger than ${MAX_KEYS_RESPONSE_BYTES} bytes`),
        });
        const served = await host.served;
        expect(served.finished).toBe(false);
        // What the connection took before it was dropped: socket buffers, not the body.
        expect(served.written).toBeLessThan(16 * MiB);
      } finally {
        await host.close();
      }
    },
  );

  it.each(['jwks', 'discovery'] as const)(
    '%s declaring a Content-Length past the cap: refused on the header (jwks_invalid), not waited for until the timeout',
    async (padded) => {
      const host = await oversizedKeyHost(padded, 'declared', 1024 * MiB);
      try {
        const sut = trusting(host, padded);
        const token = await issuer.sign({ claims: { iss: host.issuer } });
        const decision = await decisionOf(sut, token, ARN);
        expect([decision.outcome.kind, decision.code]).toEqual(['error', 'jwks_invalid']);
        expect(await host.served).toMatchObject({ finished: false });
      } finally {
        await host.close();
      }
    },
  );

  it.each(['jwks', 'discovery'] as const)(
    '%s of exactly the cap (256 KiB) is read whole and used: the token is allowed',
    async (padded) => {
      const host = await oversizedKeyHost(padded, 'stream', MAX_KEYS_RESPONSE_BYTES);
      try {
        const sut = trusting(host, padded);
        const token = await issuer.sign({ claims: { iss: host.issuer } });
        const decision = await decisionOf(sut, token, ARN);
        expect([decision.outcome.kind, decision.code]).toEqual(['allow', 'token_valid']);
        expect(await host.served).toMatchObject({ finished: true });
      } finally {
        await host.close();
      }
    },
  );
});

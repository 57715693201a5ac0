import { randomBytes } from 'node:crypto';
import { CompactSign, decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import type { AuthServer } from '../../local/auth-server.ts';
import { requestToken } from '../../local/stack.ts';

/**
 * The soak's tokens. Valid ones come from the real token endpoints, a new one every refresh, so
 * that new token strings keep reaching the authorizer (API Gateway caches its answer per token
 * string: a token used twice is decided once). Refused ones are made to be refused: expired,
 * a wrong signature under a published kid, an unknown kid, an issuer the API does not trust.
 */
export interface Token {
  readonly value: string;
  readonly iss: string;
  readonly kid: string;
  /** Epoch seconds. */
  readonly exp: number;
  /** What the soak expects of it: `trusted` tokens are valid while their kid is published. */
  readonly origin: TokenOrigin;
}

export type TokenOrigin =
  'trusted' | 'expired' | 'bad-signature' | 'unknown-kid' | 'unknown-issuer';

export const tokenOf = (value: string, origin: TokenOrigin): Token => {
  const { iss, exp } = decodeJwt(value);
  const { kid } = decodeProtectedHeader(value);
  return { value, iss: String(iss), kid: String(kid), exp: Number(exp), origin };
};

export interface TokenSource {
  /** The newest token (a new string after every refresh; a spare while the issuer is down). */
  current(): Token;
  /** A token minted earlier and never handed out (undefined when none is left). */
  unused(): Token | undefined;
  stop(): void;
}

/**
 * One client's tokens from one auth server. Every `refreshMs` it asks the token endpoint for a
 * new one; when that fails (the issuer is down) it hands out one of the spares it minted ahead,
 * as a client holding several tokens would, so that tokens the authorizer has never seen keep
 * coming while the issuer cannot be reached.
 */
export async function tokenSource(
  auth: AuthServer,
  clientId: string,
  { refreshMs, spares }: { refreshMs: number; spares: number },
): Promise<TokenSource> {
  const mint = async () => tokenOf(await requestToken(auth, clientId), 'trusted');
  let current = await mint();
  const reserve: Token[] = [];
  for (let i = 0; i < spares; i += 1) reserve.push(await mint());
  let stopped = false;
  const timer = setInterval(() => {
    void (async () => {
      try {
        const next = await mint();
        if (stopped) return;
        current = next;
        // Keep the spares recent: one new in, the oldest out.
        reserve.push(await mint());
        if (reserve.length > spares) reserve.shift();
      } catch {
        const spare = reserve.shift();
        if (spare) current = spare;
      }
    })();
  }, refreshMs);
  return {
    current: () => current,
    unused: () => reserve.shift(),
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** Tokens that must never be let in. */
export interface RefusedTokens {
  /** From the real token endpoint, past `exp` and the authorizer's clock tolerance. */
  expired(): Token | undefined;
  /** A valid token's header and claims, signed with a key the issuer never had. */
  badSignature(of: Token): Promise<Token>;
  /** Signed with a key the issuer never had, under a kid it never published. */
  unknownKid(of: Token): Promise<Token>;
  /** A real token from an auth server the API does not trust. */
  unknownIssuer(): Token;
  stop(): void;
}

export async function refusedTokens(
  auth: AuthServer,
  stranger: AuthServer,
  { clockToleranceSeconds }: { clockToleranceSeconds: number },
): Promise<RefusedTokens> {
  const { privateKey } = await generateKeyPair('ES256');
  const strangers = await Promise.all(
    [0, 1, 2, 3].map(async () => tokenOf(await requestToken(stranger, 'reader'), 'unknown-issuer')),
  );
  // The `shortlived` client's tokens live 3 s; minted all along, each is used once past its exp
  // and the tolerance, never before (an allowed use would sit in the gateway cache).
  const young: Token[] = [];
  const old: Token[] = [];
  const mintShortlived = async () => {
    try {
      young.push(tokenOf(await requestToken(auth, 'shortlived'), 'expired'));
    } catch {
      // The issuer is down: the ones already minted serve.
    }
  };
  await mintShortlived();
  const timer = setInterval(() => void mintShortlived(), 1000);
  let turn = 0;
  const resign = async (of: Token, kid: string) => {
    const [header, payload] = of.value.split('.') as [string, string];
    const protectedHeader = { ...JSON.parse(Buffer.from(header, 'base64url').toString()), kid };
    return new CompactSign(Buffer.from(payload, 'base64url'))
      .setProtectedHeader(protectedHeader)
      .sign(privateKey);
  };
  return {
    expired() {
      const now = Date.now() / 1000;
      while (young.length && young[0]!.exp + clockToleranceSeconds + 1 < now)
        old.push(young.shift()!);
      // Once each is used, they are used again: a refusal is not cached by the gateway.
      return old.length ? old[(turn += 1) % old.length] : undefined;
    },
    badSignature: async (of) => ({
      ...of,
      value: await resign(of, of.kid),
      origin: 'bad-signature',
    }),
    async unknownKid(of) {
      const kid = `soak-${randomBytes(6).toString('hex')}`;
      const value = await new SignJWT(decodeJwt(of.value))
        .setProtectedHeader({ ...decodeProtectedHeader(of.value), alg: 'ES256', kid })
        .sign(privateKey);
      return { ...of, value, kid, origin: 'unknown-kid' };
    },
    unknownIssuer: () => strangers[(turn += 1) % strangers.length]!,
    stop: () => clearInterval(timer),
  };
}

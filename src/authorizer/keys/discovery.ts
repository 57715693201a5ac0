import { isLocalHost, isTrustedUrl } from '../../shared/env.ts';
import { AuthorizerFailure } from '../errors.ts';
import { cappedGet } from './capped-get.ts';

/**
 * OpenID Connect Discovery 1.0 §4: the issuer's `jwks_uri`, from its discovery document, whose
 * `issuer` must equal the one we trust. Fetched once per container and issuer, at most
 * `MAX_KEYS_RESPONSE_BYTES` of it.
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  const where = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  try {
    const response = await cappedGet('OpenID discovery', new URL(where), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) throw new Error(`discovery answered HTTP ${response.status}`);
    const doc = response.json() as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== issuer) throw new Error('discovery document names another issuer');
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
    return discoveredJwksUrl(new URL(issuer), doc.jwks_uri);
  } catch (cause) {
    // An oversized document (cappedGet) says what it is; everything else is this.
    if (cause instanceof AuthorizerFailure) throw cause;
    throw new AuthorizerFailure('discovery_failed', `OpenID discovery at ${where} failed`, {
      cause,
    });
  }
}

/**
 * The `jwks_uri` a discovery document names, if we may fetch it: https, or plain http on
 * loopback; and on loopback (or link-local) only when the issuer itself is there. Inside Lambda,
 * 127.0.0.1:9001 is the Runtime API and link-local addresses reach AWS-internal services: a
 * discovery document must not be able to point the authorizer at them.
 */
export function discoveredJwksUrl(issuer: URL, jwksUri: string): URL {
  const url = new URL(jwksUri);
  if (!isTrustedUrl(url)) throw new Error('jwks_uri is not https');
  if (isLocalHost(url) && !isLocalHost(issuer))
    throw new Error('jwks_uri is on loopback or link-local, the issuer is not');
  return url;
}

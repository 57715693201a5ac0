import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * The anchor of the cold-start-to-first-decision comparison (first-decision.ts): jose alone, the
 * way its documentation shows it, as a Lambda handler. The remote key set is created at init and
 * fetches nothing until a token asks for a key; each request is one `jwtVerify`. Bundled with the
 * project's esbuild settings and run in the same fresh processes as the authorizer bundle.
 */
const jwks = createRemoteJWKSet(new URL(process.env.AUTH_JWKS_URL!));
const options = { issuer: process.env.AUTH_ISSUER!, audience: process.env.AUTH_AUDIENCE! };

export async function handler(
  event: APIGatewayTokenAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> {
  const token = event.authorizationToken.replace(/^Bearer /, '');
  const { payload } = await jwtVerify(token, jwks, options);
  return {
    principalId: payload.sub!,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
  };
}

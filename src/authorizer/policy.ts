import type { APIGatewayAuthorizerResult, APIGatewayAuthorizerResultContext } from 'aws-lambda';
import { AuthorizerFailure } from './errors.ts';

/**
 * `arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}`. The account and
 * API id are matched loosely (serverless-offline sends `random-account-id` / `random-api-id`) but
 * never as wildcards: a `*` or `?` there would make the granted resource broader than one API.
 */
const METHOD_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):execute-api:([a-z0-9-]+):([^:/*?\s]+):([^:/*?\s]+)\/([^/*?\s]+)\/([A-Z]+)\/([^\s]*)$/;

// Resource ARNs in an authorizer policy may be at most 512 characters (API Gateway quota).
const MAX_RESOURCE_LENGTH = 512;

/**
 * The resource our Allow covers: every method and path of the API and stage that called us,
 * derived from the methodArn itself so no configuration can drift from the deployment.
 *
 * Why stage-wide: API Gateway caches the policy per token for the TTL and re-evaluates the
 * cached policy against each later request's methodArn. A policy for `event.methodArn` alone
 * answers 403 on the next route the same token calls. Authorization per route is layer 2's job.
 */
export function stageWideResource(methodArn: string): string {
  const match = METHOD_ARN.exec(methodArn);
  if (!match)
    throw new AuthorizerFailure(
      'malformed_method_arn',
      'methodArn is not an execute-api method ARN',
    );
  const [, partition, region, account, apiId, stage] = match;
  const resource = `arn:${partition}:execute-api:${region}:${account}:${apiId}/${stage}/*`;
  if (resource.length > MAX_RESOURCE_LENGTH)
    throw new AuthorizerFailure('malformed_method_arn', 'methodArn is too long');
  return resource;
}

/**
 * `usageIdentifierKey`: the API key of the caller's usage plan. With the REST API's key source
 * AUTHORIZER, API Gateway throttles and counts the request against that key's plan; it is cached
 * with the policy, per token, like the context.
 */
export function allowPolicy(
  principalId: string,
  resource: string,
  context: APIGatewayAuthorizerResultContext,
  usageIdentifierKey?: string,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
    },
    context,
    ...(usageIdentifierKey === undefined ? {} : { usageIdentifierKey }),
  };
}

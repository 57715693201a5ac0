import type { Context } from 'aws-lambda';

/**
 * The Lambda `Context` a function gets from its runtime, as the local API Gateway model and the
 * tests hand it to a handler: a 10 s deadline from the call, ARN and log group named after the
 * function, as the Lambda runtime fills them in.
 */
export function lambdaContext(requestId = 'lambda-req-1', functionName = 'handler'): Context {
  const deadline = Date.now() + 10_000;
  return {
    awsRequestId: requestId,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'model',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

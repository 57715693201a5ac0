import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { HttpProblem } from '../shared/problems.ts';

/**
 * Refuses a body larger than the route accepts with 413 `payload_too_large`, before anything
 * parses it. API Gateway lets up to 10 MB through and Lambda 6 MB; parsing and validating a
 * multi-megabyte JSON object takes seconds and a hundred megabytes of heap, which any holder of
 * a valid token could otherwise make every function spend.
 *
 * Why hand-written: @middy/http-json-body-parser has no size limit, and no middy package
 * checks one.
 */
export function bodyLimit(maxBytes: number): MiddlewareObj<APIGatewayProxyEvent> {
  return {
    before: ({ event }) => {
      if (bodySize(event, maxBytes) > maxBytes)
        throw new HttpProblem(
          'payload_too_large',
          `The body is larger than the ${maxBytes} bytes this route accepts`,
        );
    },
  };
}

/** The body's size in bytes as the route would read it: decoded, for a base64 body. */
export function bodySize(
  { body, isBase64Encoded }: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  maxBytes: number,
): number {
  if (!body) return 0;
  if (isBase64Encoded) {
    // Four characters carry three bytes; padding carries none. Counted without decoding.
    const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
    return Math.floor((body.length * 3) / 4) - padding;
  }
  // UTF-8 takes at least one byte per UTF-16 unit: a string longer than the limit is over it
  // without counting its bytes.
  return body.length > maxBytes ? body.length : Buffer.byteLength(body, 'utf8');
}

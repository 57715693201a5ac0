import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { bearerToken } from '../../src/authorizer/bearer.ts';
import { TokenRejected } from '../../src/authorizer/errors.ts';

// API Gateway applies serverless.yml's identityValidationExpression before invoking the
// authorizer; bearer.ts applies the same rule inside it (serverless-offline and direct
// invocations skip the gateway). Both must agree on every header.
const yml = parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), {
  merge: true,
});
const gatewayExpression = new RegExp(yml.custom.authorizer.identityValidationExpression as string);

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_';
const HEADERS: [string, string | null][] = [
  [`Bearer ${TOKEN}`, TOKEN],
  [`bearer ${TOKEN}`, TOKEN],
  [`BEARER ${TOKEN}`, TOKEN],
  [`Bearer  ${TOKEN}`, TOKEN],
  ['Bearer abc+/=', 'abc+/='],
  [`Basic ${TOKEN}`, null],
  [`Bearer`, null],
  [`Bearer ${TOKEN} extra`, null],
  [`Bearer\t${TOKEN}`, null],
  [`Bearer ${TOKEN}\nX-Injected: 1`, null],
  [`Token ${TOKEN}`, null],
  [`Bearer "${TOKEN}"`, null],
  [`${TOKEN}`, null],
  [`Bearer ${TOKEN},Bearer ${TOKEN}`, null],
];

describe('Authorization header parsing', () => {
  it.each(HEADERS)('reads %p as %p', (header, token) => {
    if (token === null) expect(() => bearerToken(header)).toThrow(TokenRejected);
    else expect(bearerToken(header)).toBe(token);
  });

  it.each(HEADERS)(
    'agrees with the gateway identityValidationExpression on %p',
    (header, token) => {
      expect(gatewayExpression.test(header)).toBe(token !== null);
    },
  );

  it.each([undefined, '', '   '])('calls %p a missing token', (header) => {
    expect(() => bearerToken(header)).toThrow(expect.objectContaining({ reason: 'missing_token' }));
  });
});

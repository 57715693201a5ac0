import { describe, expect, it } from '@jest/globals';
import { PRESETS } from '../../src/issuers/presets.ts';
import { notAnAccessToken } from '../../src/issuers/token-kind.ts';
import { SHAPES, type IssuerShape } from '../support/issuer-tokens.ts';

/**
 * The access-token marks on their own, as any layer holding verified claims applies them: each
 * preset's rule against its issuer's documented access and ID tokens (the claims alone, no header,
 * no audience), and the sentence a refusal logs.
 */
const shapes = Object.values(SHAPES) as IssuerShape[];

describe('each preset’s marks, from the claims alone', () => {
  it.each(shapes.map((s) => [s.preset, s] as const))(
    '%s: its access token passes',
    (_preset, shape) => {
      expect(notAnAccessToken(PRESETS[shape.preset].accessToken, shape.claims())).toBeUndefined();
    },
  );

  // rfc9068 and generic tell them apart by the typ header (or tokenType) first; their ID tokens
  // here also carry nonce, which the claims alone refuse.
  it.each(shapes.map((s) => [s.preset, s] as const))(
    '%s: its ID token is refused',
    (_preset, shape) => {
      expect(notAnAccessToken(PRESETS[shape.preset].accessToken, shape.idToken.claims())).toEqual(
        expect.any(String),
      );
    },
  );
});

describe('what a refusal says (claim names and expected values, never the token’s values)', () => {
  it.each([
    [{ kindClaims: { typ: 'Bearer' }, idTokenClaims: [] }, { typ: 'ID' }, '"typ" is not "Bearer"'],
    [{ idTokenClaims: ['nonce'] }, { nonce: 'n-0S6_WzA2Mj' }, '"nonce" is an ID token\'s claim'],
    [
      { idTokenClaims: [], accessTokenClaims: ['azp', 'appid'] },
      { sub: 'x' },
      'none of "azp", "appid", one of which every access token carries',
    ],
    [{ idTokenClaims: ['nonce'], accessTokenClaims: ['cid'] }, { cid: 'c' }, undefined],
  ] as const)('%j on %j: %s', (marks, claims, expected) => {
    expect(notAnAccessToken(marks, claims)).toBe(expected);
  });

  it('does not take an inherited property for a claim', () => {
    expect(notAnAccessToken({ idTokenClaims: ['constructor'] }, {})).toBeUndefined();
    expect(notAnAccessToken({ idTokenClaims: [], accessTokenClaims: ['toString'] }, {})).toEqual(
      expect.any(String),
    );
  });
});

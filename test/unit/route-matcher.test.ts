import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { matchRoute, matchTemplate } from '../../tools/route-matcher.ts';

const get = (...paths: string[]) => paths.map((path) => ({ method: 'GET', path }));

describe('route matcher (API Gateway REST resource selection)', () => {
  it('prefers the literal at the first differing segment over fewer parameters overall', () => {
    for (const routes of [get('/a/{x}/c', '/a/b/{y}'), get('/a/b/{y}', '/a/{x}/c')])
      expect(matchRoute(routes, 'GET', '/a/b/c')).toEqual({
        route: { method: 'GET', path: '/a/b/{y}' },
        pathParameters: { y: 'c' },
      });
  });

  it('prefers a literal over {param} over a greedy {param+}, whatever the order', () => {
    const routes = get('/users/{proxy+}', '/users/{userId}', '/users/me');
    expect(matchRoute(routes, 'get', '/users/me')?.route.path).toBe('/users/me');
    expect(matchRoute(routes, 'GET', '/users/42')?.route.path).toBe('/users/{userId}');
    expect(matchRoute(routes, 'GET', '/users/42/audit')?.route.path).toBe('/users/{proxy+}');
  });

  it('lets a greedy {param+} take the rest of the path, at least one non-empty segment', () => {
    expect(matchTemplate('/files/{path+}', '/files/a/b/c')).toEqual({ path: 'a/b/c' });
    expect(matchTemplate('/files/{path+}', '/files')).toBeUndefined();
    expect(matchTemplate('/files/{path+}', '/files/')).toBeUndefined();
    expect(matchTemplate('/files/{path+}', '/files/a//c')).toBeUndefined();
  });

  it('percent-decodes captured parameters and keeps a malformed escape as sent', () => {
    expect(matchTemplate('/users/{userId}', '/users/a%20b%2Fc')).toEqual({ userId: 'a b/c' });
    expect(matchTemplate('/files/{path+}', '/files/x%C3%A9/y')).toEqual({ path: 'xé/y' });
    expect(matchTemplate('/users/{userId}', '/users/%E0%A4%A')).toEqual({ userId: '%E0%A4%A' });
  });

  it('matches nothing for another method, a missing or extra segment, or an empty segment', () => {
    const routes = get('/users/{userId}');
    expect(matchRoute(routes, 'POST', '/users/42')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/users')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/users/42/audit')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/users/')).toBeUndefined();
    expect(matchRoute(get('/me'), 'GET', '/you')).toBeUndefined();
  });

  it('gives null path parameters for a template without any, as AWS sends them', () => {
    expect(matchRoute(get('/me'), 'GET', '/me')?.pathParameters).toBeNull();
  });

  it('answers a path built from a template with that template or a more specific one', () => {
    const segment = fc.constantFrom('a', 'b', '{p}', '{q}');
    const template = fc
      .tuple(fc.array(segment, { minLength: 0, maxLength: 3 }), fc.boolean())
      .map(([parts, greedy]) => `/${[...parts, ...(greedy ? ['{rest+}'] : [])].join('/')}`);
    const value = fc.constantFrom('a', 'b', 'c', 'x%20y');
    const rank = (t: string) =>
      t
        .split('/')
        .slice(1)
        .map((s) => (s.endsWith('+}') ? 2 : s.startsWith('{') ? 1 : 0));
    const notLessSpecific = (chosen: number[], built: number[]) => {
      const at = chosen.findIndex((r, i) => r !== built[i]);
      return at === -1 ? chosen.length >= built.length : chosen[at]! < (built[at] ?? 3);
    };
    fc.assert(
      fc.property(
        template,
        fc.array(template, { maxLength: 4 }),
        fc.array(value, { minLength: 4, maxLength: 4 }),
        (built, others, values) => {
          let n = 0;
          const path = built.replace(/\{[^}]+\}/g, () => values[n++]!);
          const chosen = matchRoute(get(built, ...others), 'GET', path);
          expect(chosen).toBeDefined();
          expect(matchTemplate(chosen!.route.path, path)).toBeDefined();
          expect(notLessSpecific(rank(chosen!.route.path), rank(built))).toBe(true);
        },
      ),
    );
  });
});

/**
 * Which route template answers a request path, by API Gateway REST's rule: the most specific
 * resource wins, compared segment by segment. At the first segment where two candidates differ,
 * a literal path part beats a `{param}` and a `{param}` beats a greedy `{param+}`, whatever the
 * routes' order or their number of parameters: for `/a/b/c`, `/a/b/{y}` answers before
 * `/a/{x}/c`. The one matcher of the project: the local API Gateway model routes with it and
 * the response contract names the route of a seen answer with it, so the two cannot disagree.
 */

export interface RouteTemplate {
  /** e.g. `GET`; compared without case. */
  readonly method: string;
  /** The resource template, e.g. `/users/{userId}` (`{name+}` is greedy). */
  readonly path: string;
}

export interface RouteMatch<R extends RouteTemplate> {
  readonly route: R;
  /** The captured parameters, percent-decoded; null when the template has none (as AWS sends it). */
  readonly pathParameters: Record<string, string> | null;
}

/** The most specific of `routes` for `method path`, or undefined when none matches. */
export function matchRoute<R extends RouteTemplate>(
  routes: readonly R[],
  method: string,
  path: string,
): RouteMatch<R> | undefined {
  const actual = segments(path);
  let best: { match: RouteMatch<R>; rank: readonly number[] } | undefined;
  for (const route of routes) {
    if (route.method.toUpperCase() !== method.toUpperCase()) continue;
    const template = segments(route.path);
    const params = matchSegments(template, actual);
    if (!params) continue;
    const rank = template.map(segmentRank);
    if (!best || moreSpecific(rank, best.rank))
      best = {
        match: { route, pathParameters: Object.keys(params).length ? params : null },
        rank,
      };
  }
  return best?.match;
}

/** The parameters `path` gives `template` (percent-decoded), or undefined when it does not match. */
export function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  return matchSegments(segments(template), segments(path));
}

/** 0 for a literal, 1 for `{param}`, 2 for a greedy `{param+}`: lower is more specific. */
const segmentRank = (segment: string) =>
  /^\{.+\+\}$/.test(segment) ? 2 : /^\{.+\}$/.test(segment) ? 1 : 0;

function moreSpecific(rank: readonly number[], than: readonly number[]): boolean {
  for (let i = 0; i < Math.max(rank.length, than.length); i += 1) {
    const [a = 3, b = 3] = [rank[i], than[i]];
    if (a !== b) return a < b;
  }
  return false;
}

/** `{name}` takes one non-empty segment, `{name+}` the (non-empty) rest; the rest is literal. */
function matchSegments(
  template: readonly string[],
  actual: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, segment] of template.entries()) {
    const greedy = /^\{(.+)\+\}$/.exec(segment);
    if (greedy) {
      const rest = actual.slice(i);
      if (rest.length === 0 || rest.includes('')) return undefined;
      params[greedy[1]!] = decode(rest.join('/'));
      return params;
    }
    const value = actual[i];
    if (value === undefined || value === '') return undefined;
    const param = /^\{(.+)\}$/.exec(segment);
    if (param) params[param[1]!] = decode(value);
    else if (segment !== value) return undefined;
  }
  return actual.length === template.length ? params : undefined;
}

const segments = (path: string): string[] => {
  const trimmed = path.replace(/^\//, '');
  return trimmed === '' ? [] : trimmed.split('/');
};

/** A malformed escape (`%E0%A4%A`) stays as sent rather than failing the request. */
function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

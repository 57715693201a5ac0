/**
 * Every rule of `npm run lint:routes`, in one place: the code a problem carries and what the
 * rule protects. `npm run lint:routes -- --rules` prints this list; README links to it.
 */
export const LINT_RULES = {
  // A schema file (schemas/*.json) on its own.
  invalid_json: 'a schema file is valid JSON',
  not_an_object: 'a schema file is a JSON object',
  route_missing: 'a schema file names its route ("x-route": "METHOD /path")',
  route_malformed: 'the route is an upper-case method and a path with {param} placeholders',
  scopes_missing: 'a schema file lists its scopes ("x-scopes", [] on purpose for any caller)',
  scopes_invalid: 'scopes are RFC 6749 scope tokens, each once',
  max_body_invalid: '"x-max-body-bytes" is a byte count Lambda accepts (1 to 6 MB)',
  tags_invalid: '"x-tags" is a list of tag names',
  responses_invalid: '"x-responses" maps statuses to { description, content, headers }',
  success_response_missing: 'a route declares the success it answers (a 2xx in "x-responses")',
  problem_status_undeclared:
    'a route declares every problem status its chain can answer (401; 400, 403, 413, 415 where they apply; 500)',
  schema_invalid: 'a schema compiles in ajv strict mode (a typo in a keyword is an error)',
  body_object_unbounded: 'every object in a body is closed or bounded (no unbounded keys)',
  path_parameters_mismatch: 'the schema validates exactly the path parameters of its route',
  example_invalid: 'every request in a schema\'s "examples" is one the schema accepts',
  // The routes of serverless.yml, as Serverless resolves them, against the schema files.
  serverless_config_unreadable: 'Serverless can resolve serverless.yml (sls print)',
  exposed_outside_rest_api:
    'no function is reachable but through the REST API (no url, httpApi, websocket, alb, cloudFront)',
  method_unsupported: 'each route has one method (not ANY)',
  route_without_schema: 'every route has a schema file',
  schema_without_route: 'every schema file has a route',
  duplicate_route: 'one route, one schema and one function',
  function_serves_several_routes:
    "one function serves one route (its handler checks that route's scopes only)",
  function_role_missing:
    'every function names its IAM role (without one it runs with the role Serverless shares)',
  function_role_shared: 'no two functions share a role (each holds only what its route needs)',
  authorizer_missing: 'every route is behind the token authorizer',
  authorizer_not_ours: 'the authorizer is this service’s TOKEN authorizer',
  authorizer_ttl_not_explicit: 'the authorizer TTL is an explicit integer 0–3600',
  authorizer_settings_differ:
    'the routes of one authorizer agree on its settings (API Gateway keeps one set)',
  // A packaged template's methods (`--template`), behind API Gateway's native JWT authorizer.
  gateway_scopes_looser:
    "a native JWT method's gateway scopes are its route's one required scope, or none (the gateway checks any-of)",
} as const;

export type LintRule = keyof typeof LINT_RULES;

export interface RouteProblem {
  /** Where: a schema file, or serverless.yml with the function and route. */
  readonly file: string;
  readonly code: LintRule;
  readonly message: string;
}

export const formatProblems = (problems: readonly RouteProblem[]): string =>
  problems.map((p) => `${p.file}: ${p.message} [${p.code}]`).join('\n');

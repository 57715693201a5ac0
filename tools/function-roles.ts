import type { RouteProblem } from './lint-rules.ts';
import type { FunctionConfig } from './serverless-config.ts';

/**
 * One IAM role per function, of its own. A function without `role:` runs with the one role
 * Serverless generates for every such function (`IamRoleLambdaExecution`), which holds the union
 * of their permissions; two functions naming the same role hold each other's. Either way a route
 * could do what only another route should, so the lint refuses both, as the route contract test
 * does on the packaged template. Build-time only.
 */
export function functionRoleProblems(
  functions: Readonly<Record<string, FunctionConfig>>,
): RouteProblem[] {
  const problems: RouteProblem[] = [];
  const byRole = new Map<string, string[]>();
  for (const [name, fn] of Object.entries(functions)) {
    if (fn.role === undefined || fn.role === null || fn.role === '') {
      problems.push({
        file: `serverless.yml (function ${name})`,
        code: 'function_role_missing',
        message:
          'has no `role:`, so it would run with the role Serverless shares among every function without one (the union of their permissions): give it a role of its own in resources, with only what its route needs (npm run route:new writes one)',
      });
      continue;
    }
    const role = JSON.stringify(fn.role);
    byRole.set(role, [...(byRole.get(role) ?? []), name]);
  }
  for (const [role, names] of byRole)
    if (names.length > 1)
      problems.push({
        file: `serverless.yml (functions ${names.join(', ')})`,
        code: 'function_role_shared',
        message: `share the role ${role}, so each may do what the others' routes need: give each function a role of its own`,
      });
  return problems;
}

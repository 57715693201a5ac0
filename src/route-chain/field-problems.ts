import type { FieldProblem } from '../shared/problems.ts';
import type { ValidationError } from './compiled-route.ts';

/** ajv's errors as `{ path, message }`, pointing at the offending property itself. */
export function fieldProblems(
  errors: readonly ValidationError[] | null | undefined,
): FieldProblem[] {
  return (errors ?? []).slice(0, 50).map((e) => {
    if (e.keyword === 'required')
      return {
        path: `${e.instancePath}/${String(e.params.missingProperty)}`,
        message: 'is required',
      };
    if (e.keyword === 'additionalProperties')
      return {
        path: `${e.instancePath}/${String(e.params.additionalProperty)}`,
        message: 'is not allowed',
      };
    return { path: e.instancePath || '/', message: e.message ?? `fails ${e.keyword}` };
  });
}

/** A JSON object (not an array, not null): what every reader of JSON or YAML input checks first. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

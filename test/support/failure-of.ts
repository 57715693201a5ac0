/** What a promise (or a value) fails with; a test failure of its own if it does not fail. */
export async function failureOf(promise: unknown): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

import { Agent, request } from 'node:http';

/**
 * Functions called through the Lambda Invoke API that `sls offline` serves on its lambda port:
 * it runs the real esbuild bundles in its worker threads, with each function's own environment,
 * as Lambda would. The local gateway front calls the authorizer and the route functions this
 * way, so it needs no Lambda runtime of its own.
 */
export type Invoke = (payload: unknown) => Promise<unknown>;

/** The error a function threw, as Lambda reports it (`X-Amz-Function-Error`). */
export class FunctionError extends Error {
  override readonly name = 'FunctionError';
}

export function lambdaInvoker(lambdaUrl: string): {
  invoke(functionName: string): Invoke;
  close(): void;
} {
  const base = new URL(lambdaUrl);
  // Kept-alive sockets: a new connection per call would add about a millisecond.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    invoke: (functionName) => {
      const path = `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
      return (payload) =>
        new Promise((resolve, reject) => {
          const body = JSON.stringify(payload);
          const call = request(
            {
              host: base.hostname,
              port: base.port,
              path,
              method: 'POST',
              agent,
              headers: {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
              },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('error', reject);
              response.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let result: unknown;
                try {
                  result = text ? JSON.parse(text) : null;
                } catch {
                  return reject(new FunctionError(`${functionName} answered no JSON: ${text}`));
                }
                if (response.statusCode !== 200)
                  return reject(
                    new FunctionError(`${functionName}: invoke answered ${response.statusCode}`),
                  );
                // Lambda answers a thrown error with 200 and this header; the body holds
                // errorMessage (for the authorizer, "Unauthorized" is the 401 signal).
                if (response.headers['x-amz-function-error'])
                  return reject(
                    new FunctionError(String((result as { errorMessage?: unknown })?.errorMessage)),
                  );
                resolve(result);
              });
            },
          );
          call.on('error', reject);
          call.end(body);
        });
    },
    close: () => agent.destroy(),
  };
}

import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A DynamoDB endpoint that misbehaves on demand, in front of a real one (DynamoDB Local): the
 * handlers are pointed at it once, and each test picks the fault. Modes:
 * - `pass`: forwards every call;
 * - `hang`: accepts the call and never answers;
 * - `refuse`: stops listening (connection refused) and drops open connections;
 * - `throttle`: answers DynamoDB's own ProvisionedThroughputExceededException (HTTP 400);
 * - `fail` with a target (e.g. `TransactWriteItems`): forwards everything but that operation,
 *   which hangs; for "a fault in the middle of a request";
 * - `lose-answer` with a target: forwards that operation too, and DynamoDB carries it out, but
 *   its answer never reaches the caller (the connection drops): an outcome the caller cannot know.
 */
export type FaultMode =
  | { readonly mode: 'pass' }
  | { readonly mode: 'hang' }
  | { readonly mode: 'refuse' }
  | { readonly mode: 'throttle' }
  | { readonly mode: 'fail'; readonly target: string }
  | { readonly mode: 'lose-answer'; readonly target: string };

export interface FaultyDynamo {
  readonly endpoint: string;
  set(mode: FaultMode): Promise<void>;
  /** The DynamoDB operations (X-Amz-Target, without the prefix) seen since the last `set`. */
  readonly calls: string[];
  close(): Promise<void>;
}

export async function faultyDynamo(upstream: string): Promise<FaultyDynamo> {
  const target = new URL(upstream);
  let current: FaultMode = { mode: 'pass' };
  const calls: string[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    calls.push(operation);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (current.mode === 'hang' || (current.mode === 'fail' && current.target === operation)) {
        hanging.add(req.socket);
        return;
      }
      if (current.mode === 'throttle') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
            message: 'The level of configured provisioned throughput for the table was exceeded.',
          }),
        );
        return;
      }
      const upstreamRequest = forward(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          if (current.mode === 'lose-answer' && current.target === operation) {
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      upstreamRequest.on('error', () => res.destroy());
      upstreamRequest.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      hanging.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  const listening = () => server.listening;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    async set(mode) {
      calls.length = 0;
      // Calls left hanging by the last mode end now, as a real outage would end.
      for (const socket of hanging) socket.destroy();
      if (mode.mode === 'refuse') {
        if (listening()) {
          const closed = new Promise((resolve) => server.close(resolve));
          dropAll();
          await closed;
        }
      } else if (!listening()) {
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      }
      current = mode;
    },
    async close() {
      const closed = listening() ? new Promise((resolve) => server.close(resolve)) : undefined;
      dropAll();
      await closed;
    },
  };
}

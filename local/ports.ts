import { createServer, type AddressInfo, type Server } from 'node:net';

/**
 * Loopback ports free right now (the OS picks them), for servers the tests and the local stack
 * start next to a developer's own `npm start`. All `count` are held open together so they
 * differ, then released: nothing listens on them once this returns, the caller binds them (or
 * uses one as a port where connections are refused).
 */
export async function pickFreePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve) => {
          const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function freePort(): Promise<number> {
  const [port] = await pickFreePorts(1);
  return port!;
}

/** Whether `port` can be bound on loopback now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .once('listening', () => probe.close(() => resolve(true)))
      .listen(port, '127.0.0.1');
  });
}

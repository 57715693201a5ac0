import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port free right now (the OS picks it), for servers the tests and the local stack
 * start next to a developer's own `npm start`. Nothing listens on it once this returns: the
 * caller binds it (or uses it as a port where connections are refused).
 */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

import net from 'node:net';

/** A port the OS says is free right now (tests start services on these). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class PortInUseError extends Error {}

/** Fails with a message that says which setting to change, instead of a bind error later. */
export function assertPortFree(port: number, host: string, what: string, setting: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => reject(new PortInUseError(`Port ${port} (${what}) on ${host} is in use; stop what holds it or set ${setting}.`)));
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

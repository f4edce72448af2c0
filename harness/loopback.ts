/**
 * Listening on loopback like a service that never drops a connection. A burst opens as many
 * connections at once as it has invocations (each Lambda instance its own: see
 * `guardRequestsOfStoppedSandboxes`); with Node's default listen backlog (511) the kernel drops
 * the SYNs beyond it (TcpExt ListenOverflows), and the clients wait seconds of SYN retransmits
 * with an idle CPU: request timeouts, abandoned email claims and takeovers that AWS's endpoints
 * would never cause. The kernel caps the backlog at net.core.somaxconn.
 */
import type { Server } from 'node:net';
import { AddressInfo } from 'node:net';

export const LOOPBACK = '127.0.0.1';
/** The backlog asked for (the kernel lowers it to net.core.somaxconn). */
export const LISTEN_BACKLOG = 65535;

/** Listens on a free loopback port with the largest backlog the kernel allows; resolves the port. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, backlog: LISTEN_BACKLOG }, () => resolve((server.address() as AddressInfo).port));
  });
}

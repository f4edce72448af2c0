/**
 * Loopback servers never drop a burst's connections: 1,500 clients connect at once while the
 * server's event loop is busy (as the harness's is during a burst), and the kernel's listen
 * queue overflows nothing (TcpExt ListenOverflows, Linux). With Node's default backlog (511) it
 * overflows, and the dropped clients wait out seconds of SYN retransmits.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { listenOnLoopback } from '../../harness/loopback';

const NETSTAT = '/proc/net/netstat';

function listenOverflows(): number {
  const lines = readFileSync(NETSTAT, 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i].split(/\s+/);
    const values = lines[i + 1].split(/\s+/);
    const k = names.indexOf('ListenOverflows');
    if (k >= 0) return Number(values[k]);
  }
  throw new Error('no ListenOverflows in /proc/net/netstat');
}

const CLIENTS = 1500;
const CLIENT = `
const net = require('node:net');
let done = 0;
for (let i = 0; i < ${CLIENTS}; i++) {
  const s = net.connect(Number(process.argv[1]), '127.0.0.1');
  const end = () => { s.destroy(); if (++done === ${CLIENTS}) process.exit(0); };
  s.once('connect', end); s.once('error', end);
}
setTimeout(() => process.exit(0), 20000);
`;

(existsSync(NETSTAT) ? test : test.skip)(`${CLIENTS} connections at once to a busy loopback server: none dropped`, async () => {
  const server = http.createServer((_req, res) => res.end());
  const port = await listenOnLoopback(server);
  try {
    const before = listenOverflows();
    const client = spawn(process.execPath, ['-e', CLIENT, String(port)], { stdio: 'ignore' });
    const exited = new Promise((resolve) => client.once('exit', resolve));
    // The server's event loop is busy while the clients connect: only the kernel's queue holds them.
    const until = Date.now() + 1500;
    while (Date.now() < until) { /* busy */ }
    await exited;
    expect(listenOverflows() - before).toBe(0);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}, 30_000);

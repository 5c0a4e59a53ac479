// Unix-socket ⇄ TCP byte pipe, run inside a lab namespace. It is the only channel between the
// root namespace and the lab, and it carries no IP: the root side speaks over a unix socket.
//   node bridge-tool.mjs tcp-to-unix <listenAddr> <port> <socketPath>
//     Listens on TCP inside the namespace; each connection is piped to the unix socket (which a
//     server in the test process listens on).
//   node bridge-tool.mjs unix-to-tcp <socketPath> <addr> <port>
//     Listens on the unix socket; each connection is piped to TCP addr:port inside the namespace.
// Prints "ready" once listening.
import net from 'node:net';
import { rmSync } from 'node:fs';

const [mode, ...args] = process.argv.slice(2);

function pipe(a, connectB) {
  const b = connectB();
  a.pipe(b).pipe(a);
  const close = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', close);
  b.on('error', close);
  a.on('close', close);
  b.on('close', close);
}

if (mode === 'tcp-to-unix') {
  const [addr, port, path] = args;
  net.createServer((c) => pipe(c, () => net.connect(path))).listen(Number(port), addr, () => console.log('ready'));
} else if (mode === 'unix-to-tcp') {
  const [path, addr, port] = args;
  rmSync(path, { force: true });
  net.createServer((c) => pipe(c, () => net.connect(Number(port), addr))).listen(path, () => console.log('ready'));
} else {
  console.error('usage: bridge-tool.mjs tcp-to-unix <addr> <port> <socket> | unix-to-tcp <socket> <addr> <port>');
  process.exit(2);
}

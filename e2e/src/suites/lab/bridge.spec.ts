import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { exposeFromLab, loopbackToUnix, serveIntoLab, startReflector, useLab } from '../../lab';

describe('lab: unix-socket bridges between the test process and the lab', function () {
  this.timeout(20_000);
  const lab = useLab({ sites: [{ name: 'home', nat: 'port-restricted', nodes: ['n'] }], services: ['stun', 'api'] });

  it('a server in the test process answers a NATed node at the api host address', async function () {
    const api = lab().host('api');
    const socketPath = join(api.dir, 'in-process-api.sock');
    const server = createServer((c) => c.end('hello from the test process\n'));
    server.listen(socketPath);
    await once(server, 'listening');
    try {
      await serveIntoLab(api, { socketPath, port: 6443 });
      const script = `require('net').connect(6443, '${api.addr}').on('data', (d) => process.stdout.write(d))`;
      const { stdout } = await lab().host('n').exec([process.execPath, '-e', script]);
      assert.equal(stdout, 'hello from the test process\n');
    } finally {
      server.close();
    }
  });

  it('a TCP server inside the lab is reachable from the test process (unix socket and loopback)', async function () {
    const reflector = await startReflector(lab().host('stun'));
    const { socketPath } = await exposeFromLab(reflector.host, { port: reflector.ports[0] });
    const read = (c: ReturnType<typeof connect>) =>
      new Promise<string>((resolve, reject) => {
        let s = '';
        c.on('data', (d) => (s += d)).on('end', () => resolve(s.trim())).on('error', reject);
      });
    // The reflector reports the peer it saw: the pipe process inside the stun host.
    assert.match(await read(connect(socketPath)), /^198\.18\.0\.10:\d+$/);
    const loop = await loopbackToUnix(socketPath);
    try {
      assert.match(await read(connect(loop.port, '127.0.0.1')), /^198\.18\.0\.10:\d+$/);
    } finally {
      await loop.close();
    }
  });
});

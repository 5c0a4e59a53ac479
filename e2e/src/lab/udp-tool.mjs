// The lab's independent NAT measuring tool (plain JS so it starts in ~40 ms inside a namespace).
//   node udp-tool.mjs reflect <addr,addr> <port,port>
//     UDP: answers {"id","mapped":"ip:port"} to each request {"id","change"}; `change` picks the
//     socket that answers, as RFC 5780's CHANGE-REQUEST does: none | port | ip | both. TCP on
//     every addr × first port: writes the peer's ip:port and closes. Prints "ready" once bound.
//   node udp-tool.mjs probe <addr1> <addr2> <port1> <port2> [--tcp] [--port <local mapping port>]
//     Prints one JSON object: the mapped address seen by four destinations (one local socket,
//     requests in order, each answered before the next) and which changed-source answers got
//     through to a second, fresh local socket (the filtering test). With --tcp: TCP reachability.
//   node udp-tool.mjs listen <port> <ms>
//     Prints "ready", counts datagrams for <ms> or until SIGTERM, then prints
//     {"count","from":[…distinct sources]}.
//   node udp-tool.mjs send <addr[,addr…]> <port> <count> [srcPort]
//     Sends <count> datagrams to each address, 1 ms apart, from one socket.
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, ...args] = process.argv.slice(2);
// Generous: on a loaded CI box an answer can take a while. Absence is never judged by a timeout
// alone (see the fence in probe()), so this only bounds how long a silent path takes to report.
const TIMEOUT_MS = 2000;

if (mode === 'reflect') {
  const addrs = args[0].split(',');
  const ports = args[1].split(',').map(Number);
  const socks = new Map();
  let pending = addrs.length * ports.length + addrs.length;
  const bound = () => --pending === 0 && console.log('ready');
  for (const [ai, a] of addrs.entries()) {
    for (const [pi, p] of ports.entries()) {
      const s = dgram.createSocket('udp4');
      socks.set(`${ai}/${pi}`, s);
      s.on('message', (msg, rinfo) => {
        let req;
        try {
          req = JSON.parse(String(msg));
        } catch {
          return console.error(`bad request from ${rinfo.address}:${rinfo.port}`);
        }
        const ci = req.change === 'ip' || req.change === 'both' ? 1 - ai : ai;
        const cp = req.change === 'port' || req.change === 'both' ? 1 - pi : pi;
        const out = socks.get(`${ci}/${cp}`);
        const mapped = `${rinfo.address}:${rinfo.port}`;
        console.log(`${a}:${p} <- ${mapped} change=${req.change ?? 'none'}`);
        out?.send(JSON.stringify({ id: req.id, mapped }), rinfo.port, rinfo.address);
      });
      s.bind(p, a, bound);
    }
    net.createServer((c) => c.end(`${c.remoteAddress}:${c.remotePort}\n`)).listen(ports[0], a, bound);
  }
} else if (mode === 'probe') {
  const [a1, a2, p1, p2] = args;
  if (args.includes('--tcp')) {
    const c = net.connect(Number(p1), a1);
    let got = '';
    const t = setTimeout(() => done(null), 2000);
    const done = (mapped) => {
      clearTimeout(t);
      c.destroy();
      console.log(JSON.stringify({ tcpMapped: mapped }));
    };
    c.on('data', (d) => (got += d));
    c.on('end', () => done(got.trim()));
    c.on('error', () => done(null));
  } else {
    const i = args.indexOf('--port');
    probe(a1, a2, Number(p1), Number(p2), i >= 0 ? Number(args[i + 1]) : 0).then((r) => console.log(JSON.stringify(r)));
  }
} else if (mode === 'listen') {
  const s = dgram.createSocket('udp4');
  let count = 0;
  const from = new Set();
  s.on('message', (_m, rinfo) => {
    count++;
    from.add(`${rinfo.address}:${rinfo.port}`);
  });
  const report = () => {
    console.log(JSON.stringify({ count, from: [...from] }));
    process.exit(0);
  };
  // Datagrams already queued on the socket are read in the next loop turns; count them first.
  process.on('SIGTERM', () => setTimeout(report, 50));
  s.bind(Number(args[0]), () => {
    console.log('ready');
    setTimeout(report, Number(args[1]));
  });
} else if (mode === 'send') {
  const s = dgram.createSocket('udp4');
  s.bind(Number(args[3] ?? 0), async () => {
    for (let i = 0; i < Number(args[2]); i++) {
      for (const addr of args[0].split(',')) await new Promise((r) => s.send(`pkt ${i}`, Number(args[1]), addr, r));
      await new Promise((r) => setTimeout(r, 1));
    }
    s.close();
  });
} else {
  console.error('usage: udp-tool.mjs reflect <addrs> <ports> | probe <a1> <a2> <p1> <p2> [--tcp] [--port N] | listen <port> <ms> | send <addr> <port> <count> [srcPort]');
  process.exit(2);
}

function socket(localPort = 0) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const got = new Map();
    const waiters = new Map();
    s.on('message', (msg, rinfo) => {
      const r = { ...JSON.parse(String(msg)), from: `${rinfo.address}:${rinfo.port}` };
      got.set(r.id, r);
      waiters.get(r.id)?.(r);
    });
    const ask = (id, addr, port, change, wait = true) =>
      new Promise((res) => {
        const send = () => s.send(JSON.stringify({ id, change }), port, addr);
        send();
        if (!wait) return res(undefined);
        // Retransmit like any real prober: one lost datagram on a busy box must not read as "no
        // UDP". Repeats reuse the socket and destination, so they create no new NAT mapping.
        const again = setInterval(send, 300);
        const t = setTimeout(() => {
          clearInterval(again);
          res(null);
        }, TIMEOUT_MS);
        waiters.set(id, (r) => {
          clearTimeout(t);
          clearInterval(again);
          res(r);
        });
      });
    s.bind(localPort, () => resolve({ s, got, ask, port: s.address().port }));
  });
}

async function probe(a1, a2, p1, p2, localPort) {
  // Filtering first, on a socket that has talked to nobody but a1:p1.
  const f = await socket();
  const control = await f.ask(1, a1, p1, 'none');
  const m = await socket(localPort);
  const mapped = {};
  const dests = [[a1, p1], [a2, p1], [a1, p2], [a2, p2]];
  if (control === null) {
    // UDP does not get out at all: nothing more to learn, and no point waiting for each destination.
    for (const [a, p] of dests) mapped[`${a}:${p}`] = null;
  } else {
    await f.ask(2, a1, p1, 'port', false);
    await f.ask(3, a1, p1, 'ip', false);
    // Fence: the reflector handles requests in order, so once this is answered the changed-source
    // answers to 2 and 3 have been sent; a short grace lets them arrive if the NAT lets them in.
    await f.ask(4, a1, p1, 'none');
    await new Promise((r) => setTimeout(r, 50));
    // Mapping: one socket, four destinations, strictly one after another.
    let id = 10;
    for (const [a, p] of dests) {
      const r = await m.ask(id++, a, p, 'none');
      mapped[`${a}:${p}`] = r ? r.mapped : null;
    }
  }
  const filtering = { control: control !== null, changePort: f.got.has(2), changeIp: f.got.has(3) };
  f.s.close();
  m.s.close();
  return { localPort: m.port, filterLocalPort: f.port, mapped, filtering };
}

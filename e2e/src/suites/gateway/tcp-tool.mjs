// TCP helper run inside lab namespaces (plain Node, no dependencies):
//   serve <port> <banner>              answer every connection with "<banner> from <peer address>" and close
//   probe <host> <port> <intervalMs>   connect every interval, print "ok <ms> <reply>" or "fail <ms> <why>"
// <ms> is the wall clock in milliseconds (all namespaces share this machine's clock).
import { connect, createServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'serve') {
  const [port, banner] = args;
  createServer((s) => {
    // Probes that connect and leave at once reset the connection: not an error of the server.
    s.on('error', () => {});
    s.end(`${banner} from ${s.remoteAddress}\n`);
  }).listen(Number(port), '0.0.0.0', () => console.log(`listening ${port}`));
} else if (mode === 'probe') {
  const [host, port, intervalMs] = args;
  const once = () => {
    const started = Date.now();
    const s = connect({ host, port: Number(port) });
    let reply = '';
    const timer = setTimeout(() => s.destroy(new Error('timeout')), Math.max(200, Number(intervalMs) * 3));
    s.on('data', (d) => (reply += d));
    s.on('end', () => {
      clearTimeout(timer);
      console.log(`ok ${started} ${reply.trim()}`);
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      console.log(`fail ${started} ${e.message}`);
    });
  };
  setInterval(once, Number(intervalMs));
  once();
} else {
  console.error(`usage: tcp-tool.mjs serve <port> <banner> | probe <host> <port> <intervalMs>`);
  process.exit(2);
}

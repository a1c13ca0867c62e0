// Serves the bundled bench Worker on local workerd through wrangler's own dev server (`unstable_startWorker`, what
// `wrangler dev` runs), with the DevTools inspector off. `wrangler dev` always attaches its inspector proxy, which
// enables the runtime's Network domain and forwards an event per outgoing `fetch` to wrangler over a fresh local
// connection that workerd never closes (CLOSE-WAIT): a few thousand activity fetches cost extra work each, and about
// 20 000 of them exhaust the process's file descriptors and hang the Worker. The bench measures Duro, not that.
//
// Usage (by bench/run.mjs): node bench/serve.mjs <wrangler.toml> <port> <persist dir> [--var NAME:VALUE]
import { unstable_startWorker } from 'wrangler';

const [config, port, persist, ...rest] = process.argv.slice(2);
const vars = {};
for (let i = 0; i < rest.length; i += 2) {
  if (rest[i] !== '--var') throw new Error(`unknown argument ${rest[i]}`);
  const [name, ...value] = rest[i + 1].split(':');
  vars[name] = { type: 'plain_text', value: value.join(':') };
}

const worker = await unstable_startWorker({
  config,
  build: { bundle: false },
  bindings: vars,
  dev: { server: { hostname: '127.0.0.1', port: Number(port) }, inspector: false, persist, logLevel: 'warn', watch: false },
});
await worker.ready;
console.log(`ready ${await worker.url}`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    worker.dispose().finally(() => process.exit(0));
  });
}

/**
 * `npm run example:crawler-content`: the simulated Lodestar network (an IPFS node speaking the
 * Kubo RPC and a crawler peer), the gateway on :8000 (PORT overrides) reading the node with the
 * `ipfs` connector, and the page. A crawler announcement every 2 s; every 7th is the same item
 * again (dropped as a duplicate), every 11th is forged (dead-lettered, never shown).
 */
import { exampleConfig, socketIoBrowserClient, startExample } from "../shared/example-server.js";
import { LodestarNetwork, sample } from "./crawler.js";

const dir = import.meta.dirname;
const network = new LodestarNetwork();
await network.start();
const config = exampleConfig(dir) as { connectors: Array<Record<string, unknown>> };
const connectors = config.connectors.map((c) => ({
  ...c,
  options: { ...(c.options as object), kuboUrl: network.rpc },
}));
const app = await startExample({
  dir,
  port: Number(process.env.PORT ?? 8000),
  overrides: { connectors },
  extraFiles: socketIoBrowserClient(),
});
process.stdout.write(`Lodestar IPFS node RPC on ${network.rpc}, Herald on ${app.url}\nOpen ${app.pageUrl}\n`);

let n = 0;
const timer = setInterval(() => {
  n += 1;
  const item = sample(n % 7 === 0 ? n - 1 : n, "run");
  const signing = n % 11 === 0 ? "forged" : "crawler";
  network.announce(item, signing).catch((err) => process.stderr.write(`crawler: ${err.message}\n`));
}, 2000);
const stop = () => {
  clearInterval(timer);
  void app
    .close()
    .then(() => network.stop())
    .then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

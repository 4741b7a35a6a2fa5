/**
 * `npm run example:chain-events`: the simulated CF1 chain (a CometBFT-0.38-faithful node on
 * :26657, CHAIN_PORT overrides), the gateway on :8000 (PORT overrides) reading it with the
 * `cometbft` connector, and the page. A block a second: a CF1-001 price tick, now and then an
 * investment or a vote; a second proposal after 20 s.
 */
import { join } from "node:path";
import { mintToken } from "@herald/server";
import { bundlePage, exampleConfig, startExample } from "../shared/example-server.js";
import { Cf1Chain } from "./chain.js";

const dir = import.meta.dirname;
const chain = new Cf1Chain();
const rpc = await chain.listen(Number(process.env.CHAIN_PORT ?? 26657));
const config = exampleConfig(dir) as { auth: { jwtSecret: string }; connectors: Array<Record<string, unknown>> };
const connectors = config.connectors.map((c) => ({ ...c, options: { ...(c.options as object), url: rpc } }));
const app = await startExample({
  dir,
  port: Number(process.env.PORT ?? 8000),
  overrides: { connectors },
  extraFiles: await bundlePage(join(dir, "public", "app.tsx")),
});
const token = await mintToken(config.auth.jwtSecret, "investor-1");
process.stdout.write(`CF1 chain RPC on ${rpc}, Herald on ${app.url}\nOpen ${app.pageUrl}?token=${token}\n`);

chain.block(chain.propose("1", "Solar farm CF1-001", 250_000, "CF1-001"));
let n = 0;
let price = 100;
const timer = setInterval(() => {
  n += 1;
  price = Math.max(1, price + (Math.random() - 0.5) * 2);
  const txs = [chain.price("CF1-001", price)];
  if (n % 3 === 0) txs.push(chain.invest("1", `wasm1investor${n % 7}`, 500 + Math.floor(Math.random() * 5000)));
  if (n % 5 === 0) txs.push(chain.vote("1", `wasm1voter${n % 11}`, Math.random() < 0.7));
  if (n === 20) txs.push(chain.propose("2", "Wind park CF1-002", 400_000, "CF1-002"));
  chain.block(...txs);
}, 1000);
const stop = () => {
  clearInterval(timer);
  void app
    .close()
    .then(() => chain.close())
    .then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

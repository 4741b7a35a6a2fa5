/**
 * `npm run example:sentiment-dashboard`: the gateway on :8000 (PORT overrides) with the ASTRA
 * configuration, the dashboard page, and the simulated feed: a post a second, a negative
 * stretch every half minute, now and then a viral post.
 */
import { join } from "node:path";
import { mintToken } from "@herald/server";
import { bundlePage, exampleConfig, startExample } from "../shared/example-server.js";
import { Feed, samplePost } from "./feed.js";

const dir = import.meta.dirname;
const config = exampleConfig(dir) as { auth: { jwtSecret: string; apiKeys: string[] } };
const app = await startExample({
  dir,
  port: Number(process.env.PORT ?? 8000),
  extraFiles: await bundlePage(join(dir, "public", "app.tsx")),
});
const token = await mintToken(config.auth.jwtSecret, "analyst-1");
process.stdout.write(`ASTRA example on ${app.url}\nOpen ${app.pageUrl}?analyst=Dana&token=${token}\n`);

const feed = new Feed(app.url, config.auth.apiKeys[0] as string);
let n = 0;
const timer = setInterval(() => {
  n += 1;
  const mood = Math.floor(n / 15) % 2 === 0 ? "positive" : "negative";
  feed.publish(samplePost(n, mood, n % 40 === 0)).catch((err) => process.stderr.write(`feed: ${err.message}\n`));
}, 1000);
const stop = () => {
  clearInterval(timer);
  void app.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

/**
 * `npm run example:content-verification`: the gateway on :8000 (PORT overrides) with the
 * VeritasAI configuration, and a token for user `123` to open the page with.
 */
import { mintToken } from "@herald/server";
import { exampleConfig, startExample } from "../shared/example-server.js";

const dir = import.meta.dirname;
const config = exampleConfig(dir) as { auth: { jwtSecret: string } };
const app = await startExample({ dir, port: Number(process.env.PORT ?? 8000) });
const token = await mintToken(config.auth.jwtSecret, "123");
process.stdout.write(`VeritasAI example on ${app.url}\nOpen ${app.pageUrl}?token=${token}\n`);
process.on("SIGINT", () => void app.close().then(() => process.exit(0)));
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));

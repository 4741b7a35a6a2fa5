/**
 * `npm run example:notifications`: the gateway on :8000 (PORT overrides) with the Community
 * Validator configuration, the NotificationBell page, and a demo backend that creates a
 * notification and moves claim456's consensus every few seconds.
 */
import { mintToken } from "@herald/server";
import { exampleConfig, socketIoBrowserClient, startExample } from "../shared/example-server.js";
import { ValidatorBackend } from "./backend.js";

const dir = import.meta.dirname;
const config = exampleConfig(dir) as { auth: { jwtSecret: string; apiKeys: string[] } };
const app = await startExample({ dir, port: Number(process.env.PORT ?? 8000), extraFiles: socketIoBrowserClient() });
const token = await mintToken(config.auth.jwtSecret, "user123");
process.stdout.write(`Community Validator example on ${app.url}\nOpen ${app.pageUrl}?user=user123&token=${token}\n`);

const backend = new ValidatorBackend(app.url, config.auth.apiKeys[0] as string);
let count = 0;
const names = ["John Doe", "Ada L.", "Grace H.", "Linus T."];
const timer = setInterval(() => {
  count += 1;
  const vouch = Math.min(100, 50 + count * 5);
  void Promise.all([
    backend.notifyValidationReceived("user123", names[count % names.length] as string, "vouch", "claim456"),
    backend.updateValidationCount("claim456", count),
    backend.updateConsensus("claim456", vouch, Math.max(0, 100 - vouch - 10), Math.min(10, 100 - vouch)),
  ]).catch((err) => process.stderr.write(`demo backend: ${(err as Error).message}\n`));
}, 4000);
const stop = () => {
  clearInterval(timer);
  void app.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

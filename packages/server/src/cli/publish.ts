/**
 * `herald publish <topic> <json>`: one event through the HTTP API. Exit 0 when accepted, 3 when
 * the key is refused (401/403), 1 for any other refusal.
 */
import { ExitCode } from "./args.js";

export async function publish(options: {
  url: string;
  apiKey?: string | undefined;
  topic: string;
  data: unknown;
  event?: string | undefined;
  id?: string | undefined;
}): Promise<number> {
  const body: Record<string, unknown> = { topic: options.topic, data: options.data };
  if (options.event !== undefined) body.event = options.event;
  if (options.id !== undefined) body.id = options.id;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const res = await fetch(new URL("/api/publish", options.url), {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  const text = await res.text();
  (res.ok ? process.stdout : process.stderr).write(`${text}\n`);
  if (res.ok) return ExitCode.ok;
  return res.status === 401 || res.status === 403 ? ExitCode.refused : ExitCode.failed;
}

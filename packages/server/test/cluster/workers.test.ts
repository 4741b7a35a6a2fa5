/**
 * `herald serve --workers 2`: two processes behind one port act as one through Redis, and share
 * one SQLite file for a durable namespace (one worker commits it, docs/storage.md).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { getJson, postJson, TestClient } from "../helpers.js";
import { dropPrefix } from "../integration/redis-helpers.js";
import { waitFor } from "../wait-for.js";
import { writeNodeConfig } from "./nodes.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), "herald-workers-"));
const dbPath = join(dir, "herald.db");
after(async () => {
  await dropPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe("herald serve --workers", () => {
  it("runs N workers on one port that act as one gateway", async () => {
    const proc = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        MAIN,
        "serve",
        "--config",
        writeNodeConfig(prefix, {
          store: { path: dbPath },
          namespaces: [{ prefix: "ledger", durable: true, history: { size: 100, ttlSeconds: 0 } }],
        }),
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--workers",
        "2",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    try {
      const urls = await new Promise<string[]>((resolve, reject) => {
        let out = "";
        proc.stdout.on("data", (d) => {
          out += String(d);
          const found = [...out.matchAll(/listening on (http:\/\/[\d.]+:\d+)/g)].map((m) => m[1] as string);
          if (found.length === 2) resolve(found);
        });
        proc.once("exit", (code) => reject(new Error(`exited ${code}`)));
      });
      assert.equal(urls[0], urls[1], "both workers serve the same port");
      const url = urls[0] as string;
      // Both workers report themselves through Redis.
      let nodes: Array<{ pid: number }> = [];
      await waitFor(
        async () => {
          nodes = (await getJson(`${url}/api/info`)).body.nodes as Array<{ pid: number }>;
          return nodes.length >= 2;
        },
        { what: () => `both workers in /api/info (last: ${JSON.stringify(nodes)})`, interval: 100, timeout: 30_000 },
      );
      assert.equal(new Set(nodes.map((n) => n.pid)).size, 2);
      const topic = `w${randomUUID().slice(0, 6)}`;
      const clients = await Promise.all(
        Array.from({ length: 4 }, () => TestClient.connect(`${url.replace("http", "ws")}/ws`)),
      );
      for (const c of clients) assert.equal((await c.request({ type: "subscribe", topic })).type, "ack");
      for (let i = 1; i <= 10; i++) {
        assert.equal((await postJson(`${url}/api/publish`, { topic, data: i })).status, 200);
      }
      for (const c of clients) {
        assert.deepEqual(
          (await c.events(10)).map((e) => e.data),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
        c.close();
      }
      // A durable namespace: every acknowledged publish is in the one SQLite file, in order.
      const ledger = `ledger.${randomUUID().slice(0, 6)}`;
      const acks = await Promise.all(
        Array.from({ length: 10 }, (_, i) => postJson(`${url}/api/publish`, { topic: ledger, data: i })),
      );
      for (const r of acks) assert.equal(r.status, 200, JSON.stringify(r.body));
      const db = new Database(dbPath, { readonly: true });
      try {
        const rows = db.prepare("SELECT seq FROM herald_events WHERE topic = ? ORDER BY seq").all(ledger) as Array<{
          seq: number;
        }>;
        assert.deepEqual(
          rows.map((r) => r.seq),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
      } finally {
        db.close();
      }
    } finally {
      proc.kill("SIGTERM");
      assert.equal(await exited, 0, "the primary drains its workers and exits cleanly");
    }
  });
});

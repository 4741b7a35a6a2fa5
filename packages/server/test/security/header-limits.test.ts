/**
 * Header limits (issue 11, smaller mismatches): an over-long SSE `Last-Event-ID` gets 400
 * `invalid_position`, too many header lines get 431 `headers_too_large` on an upgrade and on
 * the HTTP API, and headers over `headers.maxBytes` get the same code in a Herald body.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { startGateway } from "../helpers.js";

/** Sends a raw HTTP request and returns the status line and body of the answer. */
async function raw(url: string, head: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(head);
  let text = "";
  socket.on("data", (d) => {
    text += d.toString("latin1");
  });
  await new Promise<void>((resolve) => {
    socket.on("close", () => resolve());
    socket.on("error", () => resolve());
  });
  const status = Number(text.slice(9, 12));
  return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

describe("header limits", () => {
  it("answers an over-long Last-Event-ID with 400 invalid_position", async () => {
    const g = await startGateway();
    try {
      const res = await fetch(`${g.url}/sse?topic=a`, { headers: { "last-event-id": "x".repeat(20_000) } });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { code: string }).code, "invalid_position");
    } finally {
      await g.close();
    }
  });

  it("refuses an upgrade with too many header lines with 431 headers_too_large", async () => {
    const g = await startGateway({ headers: { maxCount: 50 } });
    try {
      const many = Array.from({ length: 2000 }, (_, i) => `x${i}: a\r\n`).join("");
      const head =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${many}\r\n`;
      const res = await raw(g.url, head);
      assert.equal(res.status, 431);
      assert.equal(JSON.parse(res.body).code, "headers_too_large");
      const api = await raw(g.url, `GET /api/topics/a/history HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${many}\r\n`);
      assert.equal(api.status, 431);
      assert.equal(JSON.parse(api.body).code, "headers_too_large");
    } finally {
      await g.close();
    }
  });

  it("answers headers over headers.maxBytes with 431 in a Herald body", async () => {
    const g = await startGateway({ headers: { maxBytes: 4096 } });
    try {
      const res = await raw(g.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: ${"y".repeat(8000)}\r\n\r\n`);
      assert.equal(res.status, 431);
      assert.equal(JSON.parse(res.body).code, "headers_too_large");
    } finally {
      await g.close();
    }
  });
});

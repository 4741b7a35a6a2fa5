import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { test } from "node:test";
import { textFrame } from "../../packages/server/src/transport/ws.js";
import { RawWs } from "./raw-ws.js";

test("reads frames split across reads and several in one read, and answers pings", async () => {
  const sizes = [1, 125, 126, 300, 65_535, 65_536, 70_000];
  const payloads = sizes.map((n, i) => Buffer.alloc(n, 97 + i));
  let peer: Socket | undefined;
  const fromClient: Buffer[] = [];
  const server = createServer((socket) => {
    peer = socket;
    let upgraded = false;
    socket.on("data", (chunk: Buffer) => {
      if (!upgraded) {
        upgraded = true;
        socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        // Every frame in one buffer, then written in awkward slices (1, 3, 7 … bytes).
        const all = Buffer.concat([
          ...payloads.map((p) => textFrame(p)),
          Buffer.from([0x89, 2, 0x68, 0x69]), // ping "hi"
        ]);
        let pos = 0;
        for (let step = 1; pos < all.length; step = (step * 3) % 9973) {
          socket.write(all.subarray(pos, pos + step));
          pos += step;
        }
        return;
      }
      fromClient.push(chunk);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const got: Buffer[] = [];
  let wake: () => void = () => {};
  const ws = new RawWs({
    message(p) {
      got.push(Buffer.from(p));
      if (got.length === payloads.length) wake();
    },
    close() {},
  });
  const all = new Promise<void>((r) => {
    wake = r;
  });
  await ws.open(new URL(`ws://127.0.0.1:${port}/x`), undefined);
  await all;
  assert.deepEqual(
    got.map((b) => b.length),
    sizes,
  );
  for (const [i, p] of payloads.entries()) assert.ok(got[i]?.equals(p));
  // The ping was answered with a masked pong carrying the same bytes (zero mask key).
  while (Buffer.concat(fromClient).length < 8) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual([...Buffer.concat(fromClient).subarray(0, 8)], [0x8a, 0x82, 0, 0, 0, 0, 0x68, 0x69]);
  ws.terminate();
  peer?.destroy();
  server.close();
});

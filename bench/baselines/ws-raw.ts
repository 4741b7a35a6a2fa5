/**
 * Baseline 1: a minimal raw `ws` rooms server. Each event is serialised once and the same
 * buffer handed to `ws.send` for every subscriber, which frames it and writes it at once: one
 * write syscall per frame per socket. This is the broadcast `ws`'s README shows.
 */
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";
import { control, portArg } from "./control.js";

const rooms = new Map<string, Set<WebSocket>>();
const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });

wss.on("connection", (ws) => {
  const mine: string[] = [];
  ws.on("message", (data: Buffer) => {
    const f = JSON.parse(data.toString()) as { type: string; topic: string; id?: string; data?: unknown };
    if (f.type === "subscribe") {
      let room = rooms.get(f.topic);
      if (room === undefined) {
        room = new Set();
        rooms.set(f.topic, room);
      }
      room.add(ws);
      mine.push(f.topic);
      ws.send(JSON.stringify({ type: "ack", id: f.id }));
    } else if (f.type === "publish") {
      const room = rooms.get(f.topic);
      if (room === undefined) return;
      const frame = Buffer.from(`{"type":"event","topic":${JSON.stringify(f.topic)},"data":${JSON.stringify(f.data)}}`);
      for (const peer of room) peer.send(frame);
    }
  });
  ws.on("error", () => {});
  ws.on("close", () => {
    for (const t of mine) rooms.get(t)?.delete(ws);
  });
});

server.listen(portArg(), "127.0.0.1", () => {
  const addr = server.address();
  control(typeof addr === "object" && addr ? addr.port : 0, () => {
    server.close();
  });
});

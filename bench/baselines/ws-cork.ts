/**
 * Baseline 2: the raw `ws` rooms server plus per-socket write coalescing. The first frame
 * written to a socket in an event-loop turn corks it; one `setImmediate` uncorks every socket
 * written to, so a socket's frames of one turn leave in a single `writev`.
 */
import { createServer } from "node:http";
import type { Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { control, portArg } from "./control.js";

const rooms = new Map<string, Set<WebSocket>>();
const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });

let corked: Socket[] = [];
let scheduled = false;
const corkedSet = new WeakSet<Socket>();

function uncorkAll(): void {
  const list = corked;
  corked = [];
  scheduled = false;
  for (const s of list) {
    corkedSet.delete(s);
    if (!s.destroyed) s.uncork();
  }
}

function sendCoalesced(ws: WebSocket, frame: Buffer): void {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  if (!corkedSet.has(socket)) {
    corkedSet.add(socket);
    socket.cork();
    corked.push(socket);
    if (!scheduled) {
      scheduled = true;
      setImmediate(uncorkAll);
    }
  }
  ws.send(frame);
}

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
      for (const peer of room) sendCoalesced(peer, frame);
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

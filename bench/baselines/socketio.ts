/**
 * Baseline 3: a minimal Socket.IO rooms server (WebSocket transport only): `subscribe` joins a
 * room, `publish` emits to it. Socket.IO encodes each packet once per room broadcast.
 */
import { createServer } from "node:http";
import { Server } from "socket.io";
import { control, portArg } from "./control.js";

const server = createServer();
const ioServer = new Server(server, { transports: ["websocket"], serveClient: false, perMessageDeflate: false });

ioServer.on("connection", (socket) => {
  socket.on("subscribe", (topic: string, ack?: () => void) => {
    socket.join(topic);
    ack?.();
  });
  socket.on("publish", (topic: string, data: unknown) => {
    ioServer.to(topic).emit("event", data);
  });
});

server.listen(portArg(), "127.0.0.1", () => {
  const addr = server.address();
  control(typeof addr === "object" && addr ? addr.port : 0, async () => {
    await ioServer.close();
  });
});

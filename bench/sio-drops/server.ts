/**
 * A server of the Socket.IO repeated-drop bench, by argv[2]: `herald` (the gateway, memory
 * engine, its Socket.IO connection state recovery) or `socketio` (a plain Socket.IO 4.8 server
 * with its own `connectionStateRecovery`). Both publish `rate` events/s for `seconds` — half to
 * the room every client joined, half notifications to one user each, round-robin — and cut
 * every connection from the server side (engine close) at random intervals around `cutMs`.
 */
import { createServer } from "node:http";
import { Server as IoServer, type Socket } from "socket.io";
import { createGateway } from "../../packages/server/src/gateway.js";
import { type Published, ROOM, SECRET, type ServerCommand, type ServerMessage } from "./messages.js";

const kind = process.argv[2];
const send = (m: ServerMessage) => process.send?.(m);

interface Target {
  sockets(): Iterable<Socket>;
  room(n: number): Promise<unknown> | undefined;
  notify(user: string, n: number): Promise<unknown> | undefined;
}

async function herald(): Promise<Target> {
  const gateway = createGateway({
    defaultMetrics: false,
    config: {
      log: { level: "silent" },
      auth: { anonymous: false, jwtSecret: SECRET },
      // Tells a client why a resume was refused (the bench counts the reasons).
      socketio: {
        enabled: true,
        path: "/socket.io",
        eventNames: {},
        recovery: { enabled: true, windowMs: 120_000, resyncEvent: "resync" },
      },
      limits: { maxConnections: 50_000, connectionsPerIpPerSecond: 0, httpRequestsPerSecond: 0 },
      // A 60 s run at 10 room events/s: the room's history covers any gap of the run.
      namespaces: [{ prefix: "" }, { prefix: "room", history: { size: 2000, ttlSeconds: 600 } }],
    },
  });
  const { port } = await gateway.listen({ port: 0, host: "127.0.0.1" });
  send({ type: "listening", port });
  const io = gateway.transports.socketio?.io as IoServer;
  return {
    sockets: () => io.sockets.sockets.values(),
    room: (n) => gateway.publish(ROOM, { n }, { event: "update" }),
    notify: (user, n) => gateway.sendToUser(user, "new_notification", { n }),
  };
}

async function socketio(): Promise<Target> {
  const http = createServer();
  const io = new IoServer(http, { serveClient: false, perMessageDeflate: false, connectionStateRecovery: {} });
  io.on("connection", (socket) => {
    // A recovered socket has its rooms back; a fresh one joins its user's room.
    if (!socket.recovered) socket.join(`user:${String(socket.handshake.auth.user)}`);
    socket.on("subscribe", (room: string, ack?: (a: unknown) => void) => {
      socket.join(room);
      ack?.({ ok: true });
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  send({ type: "listening", port: (http.address() as { port: number }).port });
  return {
    sockets: () => io.sockets.sockets.values(),
    room: (n) => {
      io.to(ROOM).emit("update", { n });
      return undefined;
    },
    notify: (user, n) => {
      io.to(`user:${user}`).emit("new_notification", { n });
      return undefined;
    },
  };
}

const target = kind === "herald" ? await herald() : await socketio();

process.on("message", async (cmd: ServerCommand) => {
  if (cmd.cmd !== "run") return;
  const published: Published = { room: 0, users: Object.fromEntries(cmd.users.map((u) => [u, 0])) };
  const nextCut = new WeakMap<Socket, number>();
  let cuts = 0;
  const jitter = () => cmd.cutMs * (0.5 + Math.random());
  const cutter = setInterval(() => {
    const now = Date.now();
    for (const s of target.sockets()) {
      const at = nextCut.get(s);
      if (at === undefined) nextCut.set(s, now + jitter());
      else if (now >= at) {
        nextCut.delete(s);
        cuts++;
        s.conn.close();
      }
    }
  }, 50);
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  const total = cmd.rate * cmd.seconds;
  let k = 0;
  // Paced by the clock: event k goes out at start + k / rate.
  while (k < total) {
    const due = start + (k * 1000) / cmd.rate;
    if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
    if (k % 2 === 0) await target.room(++published.room);
    else {
      const user = cmd.users[Math.floor(k / 2) % cmd.users.length] as string;
      const n = (published.users[user] ?? 0) + 1;
      published.users[user] = n;
      await target.notify(user, n);
    }
    k++;
  }
  clearInterval(cutter);
  const cpu = process.cpuUsage(cpu0);
  send({ type: "done", published, cpuUs: cpu.user + cpu.system, cuts });
});
// Exit normally (not killed) so a `--cpu-prof` profile is written.
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));

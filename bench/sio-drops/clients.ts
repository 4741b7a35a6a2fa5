/**
 * Client worker of the Socket.IO repeated-drop bench: unmodified `socket.io-client` 4.8 sockets
 * with default options and `auth`, written the way a product relying on connection state
 * recovery writes them — join the room when a session is new (`!socket.recovered`), nothing
 * else. Each event carries a number consecutive per stream, so losses, duplicates and the tail
 * never received are counted exactly.
 */
import { io, type Socket } from "socket.io-client";
import { type ClientTally, type Published, ROOM, type WorkerCommand, type WorkerMessage } from "./messages.js";

const send = (m: WorkerMessage) => process.send?.(m);

interface Tracked {
  socket: Socket;
  user: string;
  room: number;
  notes: number;
  delivered: number;
  lost: number;
  duplicated: number;
  connects: number;
  recovered: number;
}

const clients: Tracked[] = [];
const refusals: Record<string, number> = {};

function take(t: Tracked, stream: "room" | "notes", n: number): void {
  const last = t[stream];
  if (n <= last) {
    t.duplicated++;
    return;
  }
  t.lost += n - last - 1;
  t.delivered++;
  t[stream] = n;
}

function open(url: string, user: string, token: string, transports: string[] | undefined): Promise<void> {
  const socket = io(url, { auth: { token, user }, ...(transports ? { transports } : {}) });
  const t: Tracked = {
    socket,
    user,
    room: 0,
    notes: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    connects: 0,
    recovered: 0,
  };
  clients.push(t);
  socket.on("update", (d: { n: number }) => take(t, "room", d.n));
  socket.on("new_notification", (d: { n: number }) => take(t, "notes", d.n));
  socket.on("resync", (r: { reason: string }) => {
    refusals[r.reason] = (refusals[r.reason] ?? 0) + 1;
  });
  return new Promise((ready) => {
    socket.on("connect", () => {
      t.connects++;
      if (socket.recovered) t.recovered++;
      else socket.emit("subscribe", ROOM, () => ready());
    });
  });
}

process.on("message", async (cmd: WorkerCommand) => {
  if (cmd.cmd === "connect") {
    // A few at a time: a thousand handshakes at once would trip nothing but the generator's core.
    for (let i = 0; i < cmd.clients.length; i += 50) {
      await Promise.all(cmd.clients.slice(i, i + 50).map((c) => open(cmd.url, c.user, c.token, cmd.transports)));
    }
    send({ type: "ready" });
    return;
  }
  const p: Published = cmd.published;
  const caughtUp = () => clients.every((t) => t.room >= p.room && t.notes >= (p.users[t.user] ?? 0));
  const deadline = Date.now() + cmd.timeoutMs;
  while (!caughtUp() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const tally: ClientTally = {
    clients: clients.length,
    expected: 0,
    delivered: 0,
    lost: 0,
    missing: 0,
    behind: 0,
    duplicated: 0,
    reconnects: 0,
    recovered: 0,
    disconnected: 0,
    refusals,
  };
  for (const t of clients) {
    const notes = p.users[t.user] ?? 0;
    tally.expected += p.room + notes;
    tally.delivered += t.delivered;
    tally.lost += t.lost;
    const missing = p.room - t.room + (notes - t.notes);
    tally.missing += missing;
    if (missing > 0) tally.behind++;
    if (!t.socket.connected) tally.disconnected++;
    tally.duplicated += t.duplicated;
    tally.reconnects += t.connects - 1;
    tally.recovered += t.recovered;
    t.socket.disconnect();
  }
  send({ type: "tally", tally });
});
process.on("disconnect", () => process.exit(0));

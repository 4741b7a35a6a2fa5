/**
 * Subscriber process of the connector bench: opens N WebSocket connections to one topic and,
 * on every `sample`-th connection, records the latency of each event (receive time − the
 * source's send time `t` in the payload; both processes read the same clock). Reports the
 * latencies over IPC when asked.
 */
import WebSocket from "ws";

const [url, topic, countArg, sampleArg] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countArg);
const sample = Number(sampleArg);
const latencies: number[] = [];
let received = 0;
const now = () => performance.timeOrigin + performance.now();

async function open(i: number): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const measure = i % sample === 0;
  await new Promise<void>((resolve) => {
    ws.on("message", (raw) => {
      const text = raw.toString();
      if (text.includes('"type":"ack"')) return resolve();
      if (!text.includes('"type":"event"')) return;
      received++;
      if (measure) {
        const m = /"t":([0-9.]+)/.exec(text);
        if (m) latencies.push(now() - Number(m[1]));
      }
    });
    ws.send(JSON.stringify({ type: "subscribe", id: "s", topic }));
  });
}

for (let i = 0; i < count; i += 50)
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => open(i + j)));
process.send?.({ type: "ready" });
process.on("message", (m: { cmd: string }) => {
  if (m.cmd === "report") {
    process.send?.({ type: "report", received, latencies: latencies.splice(0) });
    received = 0;
  }
  if (m.cmd === "stop") process.exit(0);
});

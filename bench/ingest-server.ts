// The measured process of bench/ingest.ts: the recorder's WHIP ingest alone, in its own Node process.
// Started by the bench with `process.execPath --import tsx bench/ingest-server.ts <directory> <icePortFrom> <icePortTo>`
// and an IPC channel. Nothing else runs here (the publishing page's script is injected by the bench), so the
// CPU time this process reports is the ingest's own.
// IPC: → {type:"ready", url, pid}; ← {type:"cpu", id} → {type:"cpu", id, userUs, systemUs, sessions};
//      ← {type:"close"} → {type:"closed", events} and exit.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRecorderIngest } from "@/recorder/ingest";

const [directory, from, to] = process.argv.slice(2);
const secret = process.env.BENCH_INGEST_SECRET;
if (!directory || !from || !to || !secret || !process.send) {
  console.error("usage: started by bench/ingest.ts (needs <directory> <icePortFrom> <icePortTo>, BENCH_INGEST_SECRET and an IPC channel)");
  process.exit(2);
}
const send = (msg: unknown) => process.send!(msg);

// BENCH_INGEST_IMPAIR="0.05,0.05": drop 5 % and delay (reorder) 5 % of incoming RTP before werift's SRTP/NACK.
const [lossRate, reorderRate] = (process.env.BENCH_INGEST_IMPAIR ?? "").split(",").map(Number);
const impairment = lossRate > 0 || reorderRate > 0 ? { lossRate: lossRate || 0, reorderRate: reorderRate || 0 } : undefined;

const events: Record<string, number> = {};
const ingest = createRecorderIngest({
  tokenSecret: secret,
  directory,
  icePortRange: [Number(from), Number(to)],
  loopback: true,
  impairment,
  log: (event, data) => {
    events[event] = (events[event] ?? 0) + 1;
    if (event === "impairment") {
      const c = data as { dropped: number; delayed: number; byPayloadType: Record<number, number>; rtxPayloadTypes: number[] };
      events.impairedDropped = (events.impairedDropped ?? 0) + c.dropped;
      events.impairedDelayed = (events.impairedDelayed ?? 0) + c.delayed;
      events.rtxPackets = (events.rtxPackets ?? 0) + c.rtxPayloadTypes.reduce((n, pt) => n + (c.byPayloadType[pt] ?? 0), 0);
    }
  },
});

const server = http.createServer(async (req, res) => {
  if (await ingest(req, res)) return;
  res.writeHead(200, { "Content-Type": "text/html" });
  res.end("<!doctype html><title>bench publisher</title>");
});

async function close() {
  await ingest.closeAll("bench-end");
  await new Promise((r) => server.close(r));
  send({ type: "closed", events });
  process.disconnect();
  // werift may keep sockets or timers alive for a moment; the bench is done with us.
  setTimeout(() => process.exit(0), 500).unref();
}

process.on("message", (msg: { type: string; id?: number }) => {
  if (msg.type === "cpu") {
    const u = process.cpuUsage();
    send({ type: "cpu", id: msg.id, userUs: u.user, systemUs: u.system, sessions: ingest.sessionCount });
  } else if (msg.type === "close") {
    void close();
  }
});
// The parent went away without saying goodbye: do not linger.
process.on("disconnect", () => setTimeout(() => process.exit(0), 1000).unref());

server.listen(0, "127.0.0.1", () => {
  send({ type: "ready", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid });
});

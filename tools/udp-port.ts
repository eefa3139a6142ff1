import dgram from "node:dgram";

export interface BoundSocket {
  socket: dgram.Socket;
  port: number;
}

function bind(port: number): Promise<BoundSocket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, "127.0.0.1", () => resolve({ socket, port: socket.address().port }));
  });
}

/** Binds a loopback UDP socket on the first free port of `range` (or any free port without one). */
export async function bindUdpInRange(range?: [number, number]): Promise<BoundSocket> {
  if (!range) return bind(0);
  const [from, to] = range;
  // Start at a random offset so two callers sharing a range rarely collide on their first try.
  const span = to - from + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    try {
      return await bind(from + ((start + i) % span));
    } catch {
      // taken; try the next one
    }
  }
  throw new Error(`no free UDP port in ${from}-${to}`);
}

/**
 * Finds `count` free ports in `range` for another process (ffmpeg) to bind: probe, note, close.
 * Without a range the other process picks its own (kernel-chosen) ports.
 */
export async function freeUdpPortsInRange(range: [number, number] | undefined, count: number): Promise<number[] | undefined> {
  if (!range) return undefined;
  const held: BoundSocket[] = [];
  try {
    for (let i = 0; i < count; i++) held.push(await bindUdpInRange(range));
    return held.map((h) => h.port);
  } finally {
    for (const h of held) h.socket.close();
  }
}

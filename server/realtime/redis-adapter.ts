// Socket.IO across app nodes: with REDIS_URL set, every emit to a room (a user, the agents) reaches the sockets
// on all nodes through Redis pub/sub. Without it a node only reaches its own sockets.
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import type { Logger } from "@/server/platform/logger";
import type { AppSocketServer } from "@/server/realtime/socket-server";

export interface RedisAdapterHandle {
  close(): Promise<void>;
}

export async function attachRedisAdapter(
  io: AppSocketServer,
  url: string,
  logger: Logger,
  opts: { key?: string } = {},
): Promise<RedisAdapterHandle> {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  // A Redis restart must not take the process down: the clients reconnect by themselves.
  for (const [role, client] of [
    ["pub", pub],
    ["sub", sub],
  ] as const) {
    client.on("error", (err: Error) => logger.warn({ err: err.message, role }, "redis connection error"));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub, { key: opts.key ?? "vhd-socket.io" }));
  logger.info({ url: url.replace(/\/\/[^@]*@/, "//***@") }, "Socket.IO uses the Redis adapter");
  return {
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

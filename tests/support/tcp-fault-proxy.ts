// A loopback TCP proxy in front of one service (PostgreSQL, Redis, S3) that a test can cut and restore.
// cut() is what a restart or an outage looks like to the app: every open connection is reset and new
// ones are refused (the listening port is closed, so connect() fails with ECONNREFUSED) until restore()
// listens again on the same port. The shared services of the machine are never touched.
import net from "node:net";

export interface TcpFaultProxy {
  /** The proxy's own port on 127.0.0.1: point the app here instead of at the target. */
  port: number;
  /** Connections accepted since start (a reconnect after restore() shows up here). */
  readonly accepted: number;
  /** Connections open right now. */
  readonly open: number;
  readonly isCut: boolean;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpFaultProxy(target: { host?: string; port: number }, opts: { port?: number } = {}): Promise<TcpFaultProxy> {
  const host = target.host ?? "127.0.0.1";
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let isCut = false;
  let server: net.Server | undefined;

  const onConnection = (client: net.Socket) => {
    accepted++;
    const upstream = net.connect({ host, port: target.port });
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Whichever side ends or fails, the other is torn down too: no half-open pairs.
    const teardown = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", teardown).on("close", teardown);
    upstream.on("error", teardown).on("close", teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = (port: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer(onConnection);
      s.once("error", reject);
      s.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
        s.off("error", reject);
        resolve(s);
      });
    });

  server = await listen(opts.port ?? 0);
  const port = (server.address() as net.AddressInfo).port;

  function resetAll() {
    // resetAndDestroy sends RST like a crashed server; a plain destroy would send FIN (a polite close).
    for (const s of sockets) s.resetAndDestroy ? s.resetAndDestroy() : s.destroy();
    sockets.clear();
  }

  async function stopListening() {
    const s = server;
    server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size / 2;
    },
    get isCut() {
      return isCut;
    },
    async cut() {
      isCut = true;
      const closing = stopListening();
      resetAll();
      await closing;
    },
    async restore() {
      if (!isCut) return;
      server = await listen(port);
      isCut = false;
    },
    async close() {
      isCut = true;
      const closing = stopListening();
      resetAll();
      await closing;
    },
  };
}

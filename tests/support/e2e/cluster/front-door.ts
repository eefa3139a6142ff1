// A TCP front door standing in for a load balancer: every new connection goes to the preferred node, or to
// the next one when the preferred node refuses it (its process is dead). Connections are never moved: when a
// node dies, its clients' connections are cut and they reconnect through the same door to a node that lives.
import net, { type AddressInfo } from "node:net";

export interface FrontDoor {
  url: string;
  port: number;
  /** Which node port each accepted connection went to, in order (for the report when something fails). */
  routes: number[];
  close(): Promise<void>;
}

function connectFirst(targets: number[], onConnected: (socket: net.Socket, port: number) => void, onFailed: () => void): void {
  const [port, ...rest] = targets;
  if (port === undefined) {
    onFailed();
    return;
  }
  const upstream = net.connect({ host: "127.0.0.1", port });
  const refused = () => {
    upstream.destroy();
    connectFirst(rest, onConnected, onFailed);
  };
  upstream.once("error", refused);
  upstream.once("connect", () => {
    upstream.off("error", refused);
    onConnected(upstream, port);
  });
}

export async function startFrontDoor(listenPort: number, nodePorts: number[]): Promise<FrontDoor> {
  const open = new Set<net.Socket>();
  const routes: number[] = [];
  const server = net.createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    client.pause(); // keep what the browser sends until a node is chosen
    connectFirst(
      nodePorts,
      (upstream, port) => {
        if (client.destroyed) return upstream.destroy();
        routes.push(port);
        open.add(upstream);
        upstream.on("close", () => {
          open.delete(upstream);
          client.destroy();
        });
        upstream.on("error", () => upstream.destroy());
        client.on("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPort, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    routes,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

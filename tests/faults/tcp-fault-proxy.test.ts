// The fault proxy the other fault tests rely on: it passes bytes both ways, cut() resets open
// connections and refuses new ones, restore() serves again on the same port.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpFaultProxy, type TcpFaultProxy } from "@/tests/support/tcp-fault-proxy";

let echo: net.Server;
let proxy: TcpFaultProxy;

beforeAll(async () => {
  // The echo side sees the resets too; they are expected here.
  echo = net.createServer((s) => s.on("error", () => undefined).pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  proxy = await startTcpFaultProxy({ port: (echo.address() as net.AddressInfo).port });
});
afterAll(async () => {
  await proxy?.close();
  await new Promise((resolve) => echo?.close(resolve));
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
}

function roundTrip(s: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const onData = (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length >= text.length) {
        s.off("data", onData);
        resolve(got);
      }
    };
    s.on("data", onData);
    s.once("error", reject);
    s.write(text);
  });
}

describe("tcp fault proxy", () => {
  it("passes bytes both ways until cut, then resets open connections and refuses new ones", async () => {
    const s = await connect(proxy.port);
    expect(await roundTrip(s, "hello")).toBe("hello");
    expect(proxy.open).toBe(1);

    const ended = new Promise<string>((resolve) => {
      s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
      s.once("close", () => resolve("closed"));
    });
    await proxy.cut();
    expect(["ECONNRESET", "closed"]).toContain(await ended);
    expect(proxy.open).toBe(0);
    await expect(connect(proxy.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("serves again on the same port after restore, and a cut of an idle proxy is harmless", async () => {
    await proxy.restore();
    const before = proxy.accepted;
    const s = await connect(proxy.port);
    expect(await roundTrip(s, "again")).toBe("again");
    expect(proxy.accepted).toBe(before + 1);
    s.destroy();
    await proxy.cut();
    await proxy.cut();
    await proxy.restore();
    const t = await connect(proxy.port);
    expect(await roundTrip(t, "x".repeat(100_000))).toHaveLength(100_000);
    t.destroy();
  });
});

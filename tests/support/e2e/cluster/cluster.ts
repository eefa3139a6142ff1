// Two production app nodes sharing one PostgreSQL database, one Redis and one S3-compatible server, each
// behind its own failover front door (front A prefers node A, front B prefers node B). Everything is
// throw-away: a fresh database, a private redis-server child, an s3rver in this process, temp folders.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "@20minutes/s3rver";
import { createScratchDatabase } from "@/tests/support/scratch-database";
import { killNode, killOnExit, SERVER_ENTRY, startAppNode, waitHealthy, type AppNode } from "@/tests/support/e2e/cluster/app-node";
import { startFrontDoor, type FrontDoor } from "@/tests/support/e2e/cluster/front-door";

export { SERVER_ENTRY };

/** Ports given to this test: TCP 3300-3339, UDP 41000-41399. */
export const CLUSTER_PORTS = {
  nodeA: 3300,
  nodeB: 3301,
  frontA: 3310,
  frontB: 3311,
  s3: 3320,
  redis: 3330,
  iceA: "41000-41199",
  iceB: "41200-41399",
} as const;

const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const BUCKET = "vhd-cluster";
// s3rver's built-in key pair; the server runs in this process, so no app node revokes it.
const S3_KEYS = { id: "S3RVER", secret: "S3RVER" };

export interface Cluster {
  nodes: { a: AppNode; b: AppNode };
  fronts: { a: FrontDoor; b: FrontDoor };
  s3Endpoint: string;
  database: string;
  workDir: string;
  /** SIGKILL to a node; its front door then sends new connections to the other node. */
  kill(node: AppNode): Promise<void>;
  /** Log tails of both nodes, for a failure report. */
  report(): string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Extra environment for both nodes (e.g. PRESENCE_GRACE_SECONDS). */
  env?: Record<string, string>;
}

async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  killOnExit(child);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}):\n${output}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing (npm run build)`);
  const workDir = mkdtempSync(path.join(tmpdir(), "vhd-cluster-"));
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const nodes: AppNode[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch((err: unknown) => console.error("cluster cleanup:", err));
    cleanups.length = 0;
  };
  try {
    cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
    const scratch = await createScratchDatabase(ADMIN_URL, "vhd_cluster");
    cleanups.push(() => scratch.drop());

    const redis = await startRedis(CLUSTER_PORTS.redis, workDir);
    cleanups.push(() => redis.exitCode === null && redis.kill("SIGKILL"));

    // allowMismatchedSignatures: s3rver canonicalizes bucket-level paths differently from the SDK
    // (platform notes); the app only fixes that for its embedded server.
    const s3 = new S3rver({
      address: "127.0.0.1",
      port: CLUSTER_PORTS.s3,
      directory: path.join(workDir, "s3"),
      silent: true,
      allowMismatchedSignatures: true,
      configureBuckets: [{ name: BUCKET }],
    });
    await s3.run();
    cleanups.push(() => s3.close());
    const s3Endpoint = `http://127.0.0.1:${CLUSTER_PORTS.s3}`;

    const fronts = {
      a: await startFrontDoor(CLUSTER_PORTS.frontA, [CLUSTER_PORTS.nodeA, CLUSTER_PORTS.nodeB]),
      b: await startFrontDoor(CLUSTER_PORTS.frontB, [CLUSTER_PORTS.nodeB, CLUSTER_PORTS.nodeA]),
    };
    cleanups.push(
      () => fronts.a.close(),
      () => fronts.b.close(),
    );

    const shared: Record<string, string> = {
      NEXT_TELEMETRY_DISABLED: "1",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      DATABASE_URL: scratch.url,
      REDIS_URL: `redis://127.0.0.1:${CLUSTER_PORTS.redis}`,
      S3_ENDPOINT: s3Endpoint,
      S3_BUCKET: BUCKET,
      S3_ACCESS_KEY_ID: S3_KEYS.id,
      S3_SECRET_ACCESS_KEY: S3_KEYS.secret,
      S3_FORCE_PATH_STYLE: "true",
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      RECORDER_SECRET: randomBytes(32).toString("base64url"),
      // The test machine's disk may be fuller than a production recorder's.
      RECORDER_MIN_FREE_MB: "64",
      ...opts.env,
    };
    const start = (name: string, port: number, front: FrontDoor, ice: string) => {
      // Each node's public address is its front door: what a browser and a WHIP client of that node use.
      // NODE_URL is the node itself: recordings started there are ingested by its recorder whatever node a
      // participant is on, and the other node's worker fetches their raw files from it.
      const node = startAppNode(name, port, workDir, {
        ...shared,
        PUBLIC_URL: front.url,
        NODE_URL: `http://127.0.0.1:${port}`,
        RECORDER_ICE_PORT_RANGE: ice,
      });
      nodes.push(node);
      return node;
    };
    // Stopped before the folders and services they use are removed (cleanups run in reverse).
    cleanups.push(() => Promise.all(nodes.map((n) => killNode(n))));
    // Both at once on the empty database, as an orchestrator would start them (migrations and seed must not race).
    const a = start("node-a", CLUSTER_PORTS.nodeA, fronts.a, CLUSTER_PORTS.iceA);
    const b = start("node-b", CLUSTER_PORTS.nodeB, fronts.b, CLUSTER_PORTS.iceB);
    await Promise.all([waitHealthy(a), waitHealthy(b)]);

    return {
      nodes: { a, b },
      fronts,
      s3Endpoint,
      database: scratch.name,
      workDir,
      kill: (node) => killNode(node),
      report: () => nodes.map((n) => `----- ${n.name} (${n.logFile}) ${n.exited ?? "running"}\n${n.tail(60)}`).join("\n"),
      stop,
    };
  } catch (error) {
    const tails = nodes.map((n) => `----- ${n.name}\n${n.tail(60)}`).join("\n");
    await stop();
    throw new Error(`${(error as Error).message}\n${tails}`);
  }
}

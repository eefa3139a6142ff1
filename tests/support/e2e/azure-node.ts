// One production app node that stores its recordings in Azure Blob Storage (Azurite on loopback, a fresh
// container the node creates itself) with its own embedded database: the whole app with STORAGE_BACKEND=azure.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ContainerClient, BlobServiceClient } from "@azure/storage-blob";
import { type Azurite, startAzurite } from "@/tests/support/azurite";
import { type AppNode, killNode, SERVER_ENTRY, startAppNode, waitHealthy } from "@/tests/support/e2e/cluster/app-node";

export { SERVER_ENTRY };

/** Ports given to this node: TCP 3350, UDP 41400-41599 (the cluster has 3300-3339 and 41000-41399). */
export const AZURE_NODE_PORTS = { node: 3350, ice: "41400-41599" } as const;

export interface AzureNode {
  node: AppNode;
  azurite: Azurite;
  /** The node's container, read with Azure's own SDK (not through the app). */
  container: ContainerClient;
  /** Names of the container's blobs under a prefix. */
  blobs(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startAzureNode(env: Record<string, string> = {}): Promise<AzureNode> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing (npm run build)`);
  const workDir = mkdtempSync(path.join(tmpdir(), "vhd-azure-node-"));
  const azurite = await startAzurite();
  // A name no earlier run used: the node must create it (as on a first deployment).
  const containerName = `vhd-e2e-${randomBytes(4).toString("hex")}`;
  const node = startAppNode("azure-node", AZURE_NODE_PORTS.node, workDir, {
    NEXT_TELEMETRY_DISABLED: "1",
    HOST: "127.0.0.1",
    // Sign-in redirects and cookies are for the address the browsers use, not the default localhost.
    PUBLIC_URL: `http://127.0.0.1:${AZURE_NODE_PORTS.node}`,
    LOG_LEVEL: "info",
    STORAGE_BACKEND: "azure",
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    AZURE_STORAGE_CONTAINER: containerName,
    RECORDER_ICE_PORT_RANGE: AZURE_NODE_PORTS.ice,
    // The test machine's disk may be fuller than a production recorder's.
    RECORDER_MIN_FREE_MB: "64",
    ...env,
  });
  const stop = async () => {
    await killNode(node);
    await azurite.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(node, 90_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(containerName);
  return {
    node,
    azurite,
    container,
    async blobs(prefix) {
      const names: string[] = [];
      for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
      return names.sort();
    },
    stop,
  };
}

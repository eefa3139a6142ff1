// The object store for recordings, opened from the environment's choice (STORAGE_BACKEND): S3 (any S3, or the
// embedded S3-compatible server when no S3_ENDPOINT is configured; the default) or Azure Blob Storage. Both
// implement ObjectStorage (server/platform/storage/object-storage.ts), the only storage API the app uses.
import path from "node:path";
import type { Env } from "@/lib/config/env";
import { openAzureStorage, type AzureStorageOptions } from "@/server/platform/storage/azure-storage";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { openS3Storage, type S3ObjectStorage, type S3StorageOptions } from "@/server/platform/storage/s3-storage";

export type { ObjectStorage, StorageMode } from "@/server/platform/storage/object-storage";
export type ObjectStoreOptions = S3StorageOptions;
/** The S3 implementation (tests that check what S3 holds use its `client`). */
export type ObjectStore = S3ObjectStorage;

/** The S3 backend (embedded server without an endpoint). */
export function openObjectStore(opts: ObjectStoreOptions): Promise<S3ObjectStorage> {
  return openS3Storage(opts);
}

export type StorageConfig = { backend: "s3"; s3: S3StorageOptions } | { backend: "azure"; azure: AzureStorageOptions };

/** The backend the environment names, with its settings (the embedded S3 server keeps its data in DATA_DIR/s3). */
export function storageConfig(env: Env, dataDir: string): StorageConfig {
  if (env.STORAGE_BACKEND === "azure") {
    return {
      backend: "azure",
      azure: {
        connectionString: env.AZURE_STORAGE_CONNECTION_STRING,
        account: env.AZURE_STORAGE_ACCOUNT,
        key: env.AZURE_STORAGE_KEY,
        endpoint: env.AZURE_STORAGE_ENDPOINT,
        container: env.AZURE_STORAGE_CONTAINER,
      },
    };
  }
  return {
    backend: "s3",
    s3: {
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      bucket: env.S3_BUCKET,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
      embeddedDir: path.join(dataDir, "s3"),
      embeddedPort: env.EMBEDDED_S3_PORT,
      sse: env.S3_SSE ? { algorithm: env.S3_SSE, kmsKeyId: env.S3_SSE_KMS_KEY_ID } : undefined,
    },
  };
}

export function openStorage(config: StorageConfig): Promise<ObjectStorage> {
  return config.backend === "azure" ? openAzureStorage(config.azure) : openS3Storage(config.s3);
}

// The object store for recordings, opened from the environment's choice (STORAGE_BACKEND): S3 (any S3, or the
// embedded S3-compatible server when no S3_ENDPOINT is configured; the default) or Azure Blob Storage. Both
// implement ObjectStorage (server/platform/storage/object-storage.ts), the only storage API the app uses.
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

export function openStorage(config: StorageConfig): Promise<ObjectStorage> {
  return config.backend === "azure" ? openAzureStorage(config.azure) : openS3Storage(config.s3);
}

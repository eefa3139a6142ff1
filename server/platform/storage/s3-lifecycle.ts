// The bucket's lifecycle configuration, as far as it is ours. Retention is the app's sweep alone: it knows
// which recordings are kept, and an S3 rule that expired everything under recordings/ after N days deleted
// kept movies while the database still said "ready". What S3 can do better than the app is drop the parts of
// multipart uploads that never completed (invisible in listings, still billed); that is the one rule we add.
// Rules the bucket already has are kept; an earlier version's expiring rule is removed.
import {
  GetBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

export const ABORT_UPLOADS_RULE_ID = "vhd-abort-incomplete-uploads";
/** Written by earlier versions: expired kept recordings too. Removed wherever it is found. */
export const RETIRED_RULE_IDS = ["vhd-recording-retention"];

export type LifecycleResult = { applied: true; rules: LifecycleRule[] } | { applied: false; reason: string };

/** The bucket's rules with ours in place: others untouched, retired ones gone, ours once. */
export function withOurLifecycleRule(existing: readonly LifecycleRule[], prefix: string): LifecycleRule[] {
  const ours: LifecycleRule = {
    ID: ABORT_UPLOADS_RULE_ID,
    Status: "Enabled",
    Filter: { Prefix: prefix },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
  };
  const others = existing.filter((rule) => rule.ID !== ABORT_UPLOADS_RULE_ID && !RETIRED_RULE_IDS.includes(rule.ID ?? ""));
  return [...others, ours];
}

export async function applyLifecycleRule(s3: S3Client, bucket: string, prefix = "recordings/"): Promise<LifecycleResult> {
  try {
    const existing = await s3
      .send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))
      .then((answer) => answer.Rules ?? [])
      .catch((error: { name?: string }) => {
        if (error.name === "NoSuchLifecycleConfiguration") return [];
        throw error;
      });
    const rules = withOurLifecycleRule(existing, prefix);
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }));
    return { applied: true, rules };
  } catch (error) {
    const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (e.name === "NotImplemented" || e.Code === "NotImplemented" || status === 501) {
      return {
        applied: false,
        reason: `lifecycle configuration not supported by this S3 server (${e.name ?? status}: ${e.message ?? ""})`.trim(),
      };
    }
    throw error;
  }
}

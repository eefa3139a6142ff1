// s3rver (the embedded S3-compatible server) canonicalizes bucket-level requests as "/bucket" while
// AWS SDK v3 signs "/bucket/", so every bucket-level call fails signature verification. Rather than
// turning signature checks off, this fixes the canonical resource. Idempotent; fails loudly if the
// upstream code changed so the patch no longer applies.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const file = "node_modules/@20minutes/s3rver/lib/middleware/authentication.js";
const MARK = "video-help-desk patch";
const before = `      if (ctx.params.key) {
        canonicalizedResource += '/' + ctx.params.key;
      }`;
const after = `      if (ctx.params.key) {
        canonicalizedResource += '/' + ctx.params.key;
      } else if (!ctx.state.vhost && ctx.path.endsWith('/')) {
        canonicalizedResource += '/'; // ${MARK}: SDK v3 signs "/bucket/"
      }`;

if (!existsSync(file)) {
  console.log("s3rver not installed; nothing to patch");
} else {
  const source = readFileSync(file, "utf8");
  if (source.includes(MARK)) {
    console.log("s3rver already patched");
  } else if (!source.includes(before)) {
    console.error(`cannot patch ${file}: the code it fixes has changed; check the s3rver version`);
    process.exit(1);
  } else {
    writeFileSync(file, source.replace(before, after));
    console.log("patched s3rver bucket-level signature canonicalization");
  }
}

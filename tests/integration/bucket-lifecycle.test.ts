// What the app asks S3 to do with the bucket's lifecycle, checked on the wire: a small S3 endpoint that
// implements GET/PUT ?lifecycle (as AWS does; s3rver answers NotImplemented) and keeps what it is sent.
// The old rule expired everything under recordings/ after retention + 1 day, kept or not, and replaced the
// bucket's own rules: on real S3 a kept movie vanished while the database said "ready".
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ABORT_UPLOADS_RULE_ID, applyLifecycleRule, withOurLifecycleRule } from "@/server/platform/storage/s3-lifecycle";

const OWNERS_RULE = `<Rule><ID>owner-logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule>`;
const RETIRED_RULE = `<Rule><ID>vhd-recording-retention</ID><Filter><Prefix>recordings/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>31</Days></Expiration></Rule>`;

describe("bucket lifecycle", () => {
  let server: Server;
  let client: S3Client;
  let stored = `<LifecycleConfiguration>${OWNERS_RULE}${RETIRED_RULE}</LifecycleConfiguration>`;
  const puts: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (!req.url?.includes("lifecycle")) return res.writeHead(501).end();
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "application/xml" });
        return res.end(
          `<?xml version="1.0" encoding="UTF-8"?>${stored.replace("<LifecycleConfiguration>", '<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">')}`,
        );
      }
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        puts.push(body);
        stored = body.replace(/<\?xml[^>]*>/, "").replace(/ xmlns="[^"]*"/, "");
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    client = new S3Client({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "k", secretAccessKey: "s" },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends no expiration for recordings, keeps the owner's rules and removes the retired expiring rule", async () => {
    const result = await applyLifecycleRule(client, "bucket");
    expect(result.applied).toBe(true);
    const sent = puts.at(-1)!;
    expect(sent).toContain("<ID>owner-logs</ID>");
    expect(sent).toContain(`<ID>${ABORT_UPLOADS_RULE_ID}</ID>`);
    expect(sent).toContain("<DaysAfterInitiation>1</DaysAfterInitiation>");
    expect(sent).not.toContain("vhd-recording-retention");
    // The owner's rule keeps its own expiration; nothing of ours expires objects.
    expect(sent.match(/<Expiration>/g)).toHaveLength(1);
  });

  it("applying again changes nothing (one rule of ours)", async () => {
    await applyLifecycleRule(client, "bucket");
    expect(puts.at(-1)!.match(new RegExp(ABORT_UPLOADS_RULE_ID, "g"))).toHaveLength(1);
    expect(puts.at(-1)).toBe(puts.at(-2));
  });

  it("merging is a pure function of the existing rules", () => {
    const merged = withOurLifecycleRule([{ ID: "a", Status: "Enabled", Filter: { Prefix: "x/" } }], "recordings/");
    expect(merged.map((rule) => rule.ID)).toEqual(["a", ABORT_UPLOADS_RULE_ID]);
    expect(merged.some((rule) => rule.Expiration)).toBe(false);
  });
});

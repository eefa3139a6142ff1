// The compose job of a recording rendered live elsewhere waits for that renderer's last window and closed index
// (so the movie is assembled from the segments and never ready with an open live playlist), but not for a renderer
// that is gone. Against the embedded S3-compatible store, with the index the live renderer writes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { type LiveIndex, writeLiveIndex } from "@/server/recordings/live/live-index";
import { untilLiveOutputEnds } from "@/server/recordings/live/live-output-end";

const index = (ended: boolean, updatedAt: Date): LiveIndex => ({
  version: 1,
  windowMs: 5760,
  segments: [{ index: 0, durationMs: 5760 }],
  ended,
  basis: "b",
  updatedAt: updatedAt.toISOString(),
});

describe("waiting for a live renderer elsewhere to finish", () => {
  let dir: string;
  let store: ObjectStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-live-end-"));
    store = await openObjectStore({ region: "us-east-1", bucket: "live-end", forcePathStyle: true, embeddedDir: dir, embeddedPort: 0 });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("waits while the index is fresh and returns it once it is ended", async () => {
    await writeLiveIndex(store, "rec-a", index(false, new Date()));
    const started = Date.now();
    setTimeout(() => void writeLiveIndex(store, "rec-a", index(true, new Date())), 800);
    const got = await untilLiveOutputEnds(store, "rec-a", { staleMs: 10_000, maxMs: 20_000, pollMs: 50 });
    expect(got?.ended).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
  });

  it("does not wait for an index that stopped changing (its node is gone) nor for one that does not exist", async () => {
    await writeLiveIndex(store, "rec-b", index(false, new Date(Date.now() - 60_000)));
    const started = Date.now();
    expect((await untilLiveOutputEnds(store, "rec-b", { staleMs: 30_000, maxMs: 20_000 }))?.ended).toBe(false);
    expect(await untilLiveOutputEnds(store, "rec-none", { staleMs: 30_000, maxMs: 20_000 })).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("gives up after the longest wait even while the renderer still writes", async () => {
    await writeLiveIndex(store, "rec-c", index(false, new Date()));
    const beat = setInterval(() => void writeLiveIndex(store, "rec-c", index(false, new Date())), 300);
    try {
      const started = Date.now();
      expect((await untilLiveOutputEnds(store, "rec-c", { staleMs: 5000, maxMs: 1500, pollMs: 50 }))?.ended).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1450);
    } finally {
      clearInterval(beat);
    }
  });

  it("does not wait for a store that cannot be reached (the job goes on; its upload waits for storage)", async () => {
    const gone = mkdtempSync(path.join(tmpdir(), "vhd-live-end-gone-"));
    const down = await openObjectStore({
      region: "us-east-1",
      bucket: "live-end",
      forcePathStyle: true,
      embeddedDir: gone,
      embeddedPort: 0,
    });
    await down.close();
    try {
      const started = Date.now();
      expect(await untilLiveOutputEnds(down, "rec-d", { staleMs: 30_000, maxMs: 120_000, pollMs: 50 })).toBeNull();
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      rmSync(gone, { recursive: true, force: true });
    }
  }, 60_000);
});

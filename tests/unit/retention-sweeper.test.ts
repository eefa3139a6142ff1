// The periodic retention sweep runs whether or not a caller listens for its results: the production app starts it
// without onSweep, and an optional call on a missing onSweep would skip the sweep passed as its argument.
import { describe, expect, it, vi } from "vitest";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { startRetentionSweeper } from "@/server/recordings/retention";

describe("startRetentionSweeper", () => {
  it("sweeps at once and on every interval without an onSweep listener", async () => {
    vi.useFakeTimers();
    try {
      const listExpired = vi.fn(async () => []);
      const stop = startRetentionSweeper({ storage: {} as ObjectStorage, listExpired, markExpired: async () => {}, intervalMs: 1000 });
      await vi.advanceTimersByTimeAsync(0);
      expect(listExpired).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(2000);
      expect(listExpired).toHaveBeenCalledTimes(3);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

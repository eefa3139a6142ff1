import { describe, expect, it } from "vitest";
import { createLogger } from "@/server/platform/logger";
import { reconcileOnce } from "@/server/recordings/compose/compose-reconciler";

// The reconciler queues a job for a recording waiting for its movie that has none. The assembly at Stop runs in
// the node's own process without a queued job: queuing one then ran a second compositing of the same recording
// beside it, in the same scratch folder (seen in the Azure end-to-end logs).
describe("compose reconciler", () => {
  const awaiting = [
    { id: "assembling-here", status: "processing" as const },
    { id: "orphaned", status: "stopped" as const },
    { id: "failed-job", status: "processing" as const },
    { id: "queued", status: "stopped" as const },
  ];
  const jobs: Record<string, { state: string; jobId: string; reason?: string }> = {
    "failed-job": { state: "failed", jobId: "j1", reason: "worker lost" },
    queued: { state: "created", jobId: "j2" },
  };

  it("queues orphans, gives up on failed jobs, and leaves recordings this process is compositing alone", async () => {
    const enqueued: string[] = [];
    const gaveUp: string[] = [];
    await reconcileOnce({
      store: { awaitingMovie: async () => awaiting },
      compose: {
        latest: async (id: string) => (jobs[id] ?? null) as never,
        enqueue: async (id: string) => {
          enqueued.push(id);
          return { jobId: `job-${id}`, created: true };
        },
      },
      giveUp: async (id) => void gaveUp.push(id),
      busy: (id) => id === "assembling-here",
      logger: createLogger("silent"),
    });
    expect(enqueued).toEqual(["orphaned"]);
    expect(gaveUp).toEqual(["failed-job"]);
  });
});

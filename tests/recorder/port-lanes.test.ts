import { RTCPeerConnection } from "werift";
import { describe, expect, it } from "vitest";
import { withoutDefaultStun } from "@/recorder/ingest/no-default-stun";
import { PortLanes } from "@/recorder/ingest/port-lanes";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("PortLanes", () => {
  it("gives concurrent gatherings disjoint lanes and queues the rest", async () => {
    const lanes = new PortLanes([45_620, 45_699], { lanes: 4, portsPerSessionGuess: 4 });
    expect(lanes.laneCount).toBe(4);
    const leases = await Promise.all([lanes.acquire(), lanes.acquire(), lanes.acquire(), lanes.acquire()]);
    const ranges = leases.map((l) => l.range).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThan(ranges[i - 1][1]);
    expect(ranges[0][0]).toBe(45_620);
    expect(ranges[3][1]).toBe(45_699);
    let fifth: [number, number] | undefined;
    void lanes.acquire().then((l) => (fifth = l.range));
    await tick();
    expect(fifth).toBeUndefined(); // every lane is gathering
    leases[2].gathered([leases[2].range[0], leases[2].range[0] + 1]);
    await tick();
    expect(fifth).toEqual(leases[2].range);
  });

  it("puts a gathering in the lane with most free ports, and takes the whole range when no lane has room", async () => {
    const lanes = new PortLanes([45_620, 45_659], { lanes: 2, portsPerSessionGuess: 4 }); // 20 ports per lane
    const a = await lanes.acquire();
    expect(a.range).toEqual([45_620, 45_639]);
    a.gathered([
      45_620, 45_621, 45_622, 45_623, 45_624, 45_625, 45_626, 45_627, 45_628, 45_629, 45_630, 45_631, 45_632, 45_633, 45_634, 45_635,
      45_636,
    ]); // 3 left in lane 0
    const b = await lanes.acquire();
    expect(b.range).toEqual([45_640, 45_659]);
    b.gathered(Array.from({ length: 17 }, (_, i) => 45_640 + i)); // 3 left in lane 1; sessions now need up to 17
    const c = await lanes.acquire();
    expect(c.range).toEqual([45_620, 45_659]); // no lane has 17 free: the whole range, alone
    let d: [number, number] | undefined;
    void lanes.acquire().then((l) => (d = l.range));
    await tick();
    expect(d).toBeUndefined(); // waits while the whole range is gathering
    a.release(); // a session ended; lane 0 is empty but the whole-range gathering still runs
    await tick();
    expect(d).toBeUndefined();
    c.release(); // that negotiation failed: nothing stays bound
    await tick();
    expect(d).toEqual([45_620, 45_639]); // lane 0 is empty again
  });

  it("lets 4 x 15 concurrent werift gatherings through one range without a collision", async () => {
    const lanes = new PortLanes([45_620, 45_699]);
    let hung = 0;
    const ports: number[] = [];
    for (let round = 0; round < 15; round++) {
      const offers = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const o = new RTCPeerConnection({ iceServers: [] });
          o.addTransceiver("video", { direction: "sendonly" });
          await o.setLocalDescription(await o.createOffer());
          return o;
        }),
      );
      const answerers = await Promise.all(
        offers.map(async (offer) => {
          const lease = await lanes.acquire();
          const pc = new RTCPeerConnection({ iceServers: [], icePortRange: lease.range, iceAdditionalHostAddresses: ["127.0.0.1"] });
          await pc.setRemoteDescription(offer.localDescription!);
          withoutDefaultStun(pc);
          const ok = await Promise.race([
            pc.setLocalDescription(await pc.createAnswer()).then(() => true),
            new Promise<boolean>((r) => setTimeout(() => r(false), 3000)),
          ]);
          const bound = [...(pc.localDescription?.sdp ?? "").matchAll(/^a=candidate:\S+ \d+ \S+ \d+ \S+ (\d+) typ/gm)].map((m) =>
            Number(m[1]),
          );
          if (!ok) hung++;
          lease.gathered(bound);
          ports.push(...new Set(bound));
          return { pc, lease };
        }),
      );
      expect(new Set(ports).size).toBe(ports.length); // no port bound twice among live sessions
      await Promise.all(
        answerers.map(async ({ pc, lease }) => {
          await pc.close();
          lease.release();
        }),
      );
      await Promise.all(offers.map((o) => o.close()));
      ports.length = 0;
    }
    expect(hung).toBe(0);
  }, 60_000);
});

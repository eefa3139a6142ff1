import os from "node:os";

/**
 * Lets werift peer connections gather ICE candidates concurrently without port collisions.
 *
 * werift picks each local port by probing the range from its start (bind, close, then bind again);
 * two gatherings probing the same ports at once could both pick one port, and the loser's socket would
 * never listen (werift then waits out its 5 s gathering timeout). Rare (0 collisions in 160 unguarded
 * concurrent gatherings measured, once werift's default STUN query was off), but possible by
 * construction; so concurrent gatherings each get a disjoint lane of the range. Sockets stay bound for the whole
 * session and later probes skip them, so only gatherings need separating, not sessions. Ports are
 * counted per lane (from the candidates each session bound); a gathering goes to the idle lane with
 * the most free ports, and when no idle lane has room it waits until no gathering runs and takes the
 * whole range, so capacity is that of the whole range, as before.
 */
export interface PortLease {
  /** The ports this gathering may probe. */
  readonly range: [number, number];
  /** Gathering is over: these ports stay bound until release(); the lane is free for the next gathering. */
  gathered(boundPorts: number[]): void;
  /** The session ended: its ports are free again. Idempotent. */
  release(): void;
}

interface Lane {
  range: [number, number];
  gathering: boolean;
  used: number;
}

export class PortLanes {
  private readonly lanes: Lane[];
  private readonly queue: { resolve: (lease: PortLease) => void }[] = [];
  private wholeRangeBusy = false;
  private portsPerSession: number;

  constructor(
    private readonly range: [number, number],
    opts: { lanes?: number; portsPerSessionGuess?: number } = {},
  ) {
    this.portsPerSession = opts.portsPerSessionGuess ?? hostAddressCount() + 1;
    const size = range[1] - range[0] + 1;
    // Each lane must hold a few sessions, or lanes would fill while the range still has room.
    const count = Math.max(1, Math.min(opts.lanes ?? 4, Math.floor(size / (4 * this.portsPerSession))));
    const width = Math.floor(size / count);
    this.lanes = Array.from({ length: count }, (_, i) => ({
      range: [range[0] + i * width, i === count - 1 ? range[1] : range[0] + (i + 1) * width - 1] as [number, number],
      gathering: false,
      used: 0,
    }));
  }

  get laneCount(): number {
    return this.lanes.length;
  }

  /** Waits for a lane (or the whole range) where one session's gathering cannot collide with another's. */
  acquire(): Promise<PortLease> {
    return new Promise((resolve) => {
      this.queue.push({ resolve });
      this.pump();
    });
  }

  private pump() {
    while (this.queue.length) {
      const lease = this.tryLease();
      if (!lease) return; // first come, first served: later requests wait behind the head
      this.queue.shift()!.resolve(lease);
    }
  }

  private tryLease(): PortLease | undefined {
    if (this.wholeRangeBusy) return undefined;
    const idle = this.lanes.filter((l) => !l.gathering);
    const best = idle.sort((a, b) => this.free(b) - this.free(a))[0];
    if (best && this.free(best) >= this.portsPerSession) {
      best.gathering = true;
      return this.lease(best.range, () => (best.gathering = false));
    }
    if (this.lanes.some((l) => l.gathering)) return undefined;
    this.wholeRangeBusy = true;
    return this.lease(this.range, () => (this.wholeRangeBusy = false));
  }

  private lease(range: [number, number], endGathering: () => void): PortLease {
    let ports: number[] = [];
    let gathering = true;
    let released = false;
    const finishGathering = () => {
      if (!gathering) return;
      gathering = false;
      endGathering();
    };
    return {
      range,
      gathered: (boundPorts) => {
        if (!gathering || released) return;
        ports = [...new Set(boundPorts)];
        this.portsPerSession = Math.max(this.portsPerSession, ports.length);
        this.count(ports, +1);
        finishGathering();
        this.pump();
      },
      release: () => {
        if (released) return;
        released = true;
        this.count(ports, -1);
        finishGathering();
        this.pump();
      },
    };
  }

  private count(ports: number[], sign: 1 | -1) {
    for (const port of ports) {
      const lane = this.lanes.find((l) => port >= l.range[0] && port <= l.range[1]);
      if (lane) lane.used += sign;
    }
  }

  private free(lane: Lane): number {
    return lane.range[1] - lane.range[0] + 1 - lane.used;
  }
}

/** werift binds one UDP port per local address (IPv4 and IPv6, loopback included when asked for). */
function hostAddressCount(): number {
  return Object.values(os.networkInterfaces()).reduce((n, list) => n + (list?.length ?? 0), 0);
}

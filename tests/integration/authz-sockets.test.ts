// Authorization matrix over every Socket.IO request event and every role. The events come from the
// protocol itself, so a new event without a row here fails the first test. Each case gets a fresh fixture
// (ticket of visitor A taken by agent1, who hosts its meeting point), sends a valid payload as one role and
// checks the ack; a refused request must also leave the database exactly as it was.
import { randomUUID } from "node:crypto";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "@/lib/realtime/ack";
import { requests, type RequestName } from "@/lib/realtime/protocol";
import { StaffAccounts } from "@/server/help-desk/staff-accounts";
import { startRealtimeStack, type RealtimeStack, type TestClient } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";
import { DEFAULT_CONSENT_TEXT } from "@/lib/domain/recording-consent";
import { consentTextSha256 } from "@/server/recordings/consent-control";

type Role = "visitorA" | "visitorB" | "agent2" | "agent1" | "supervisor" | "admin";
const ROLES: Role[] = ["visitorA", "visitorB", "agent2", "agent1", "supervisor", "admin"];
type AgentRole = Exclude<Role, "visitorA" | "visitorB">;
const AGENT_ROLES: AgentRole[] = ["agent1", "agent2", "supervisor", "admin"];
type Outcome = "ok" | ErrorCode;
type VisitorClient = Awaited<ReturnType<RealtimeStack["visitor"]>>;
/** How far the fixture is built before the request (each stage includes the ones before it). */
type Stage = "none" | "waiting" | "assigned" | "waitList" | "invited" | "inCall" | "recording" | "consented" | "paused";
const ORDER: Stage[] = ["none", "waiting", "assigned", "invited", "inCall", "recording", "consented", "paused"];

interface World {
  a: VisitorClient;
  b: VisitorClient;
  client: Record<Role, TestClient>;
  agentId: Record<AgentRole, string>;
  ticketId: string;
  meetingPointId: string;
  invitationId: string;
  entryId: string;
}

interface Row {
  stage: Stage;
  payload: (w: World, role: Role) => unknown;
  expect: Record<Role, Outcome>;
  /** Extra checks on an accepted reply (identity from the connection, not the payload). */
  check?: (reply: Record<string, unknown>, w: World, role: Role) => void | Promise<void>;
}

const F = "FORBIDDEN" as const;
const CONSENT_HASH = consentTextSha256(DEFAULT_CONSENT_TEXT);
// A supervisor is an agent who hosts nothing here: it gets what agent2 gets (admins alone close others' tickets).
const all = (o: Outcome): Record<Role, Outcome> => ({ visitorA: o, visitorB: o, agent2: o, agent1: o, supervisor: o, admin: o });
const agentsOnly = { visitorA: F, visitorB: F, agent2: "ok", agent1: "ok", supervisor: "ok", admin: "ok" } as const;
const visitorsOnly = { visitorA: "ok", visitorB: "ok", agent2: F, agent1: F, supervisor: F, admin: F } as const;
const hostOnly = { visitorA: F, visitorB: F, agent2: F, agent1: "ok", supervisor: F, admin: F } as const;
const ownerOnly = { visitorA: "ok", visitorB: F, agent2: F, agent1: F, supervisor: F, admin: F } as const;
const ownerAndHost = { visitorA: "ok", visitorB: F, agent2: F, agent1: "ok", supervisor: F, admin: F } as const;
const mp = (w: World) => ({ meetingPointId: w.meetingPointId });
const userIdOfRole = (w: World, role: Role) =>
  role === "visitorA" ? `visitor:${w.a.visitorId}` : role === "visitorB" ? `visitor:${w.b.visitorId}` : `agent:${w.agentId[role]}`;

const MATRIX: Record<RequestName, Row> = {
  "session:whoami": {
    stage: "none",
    payload: () => ({}),
    expect: all("ok"),
    check: (r, w, role) =>
      expect(`${(r.identity as { kind: string }).kind}:${(r.identity as { id: string }).id}`).toBe(userIdOfRole(w, role)),
  },
  // Everyone may ask; a visitor gets a token for itself only (never another identity), agents renew by cookie.
  "session:renew": {
    stage: "none",
    payload: () => ({}),
    expect: all("ok"),
    check: (r, w, role) => {
      if (role !== "visitorA" && role !== "visitorB") return expect(r.visitorToken).toBeNull();
      const claims = JSON.parse(Buffer.from(String(r.visitorToken).split(".")[1]!, "base64url").toString()) as { sub: string };
      expect(`visitor:${claims.sub}`).toBe(userIdOfRole(w, role));
    },
  },
  "ticket:open": { stage: "none", payload: () => ({ skill: "general" }), expect: visitorsOnly },
  "ticket:mine": {
    stage: "waiting",
    payload: () => ({}),
    expect: visitorsOnly,
    check: (r, w, role) => expect((r.ticket as { id: string } | null)?.id ?? null).toBe(role === "visitorA" ? w.ticketId : null),
  },
  "ticket:progress": { stage: "waiting", payload: (w) => ({ ticketId: w.ticketId, progress: "ready" }), expect: ownerOnly },
  "ticket:cancel": { stage: "waiting", payload: (w) => ({ ticketId: w.ticketId }), expect: ownerOnly },
  // Every agent reads every ticket (queue and history); a visitor only its own.
  "ticket:get": { stage: "assigned", payload: (w) => ({ ticketId: w.ticketId }), expect: { ...agentsOnly, visitorA: "ok" } },
  // The assigned agent closes; an admin may close anyone's ticket (lib/domain/ticket.ts assertCanClose).
  "ticket:close": { stage: "assigned", payload: (w) => ({ ticketId: w.ticketId }), expect: { ...hostOnly, admin: "ok" } },
  "ticket:inviteToVideo": { stage: "assigned", payload: (w) => ({ ticketId: w.ticketId }), expect: hostOnly },
  "ticket:transferTargets": { stage: "none", payload: () => ({}), expect: agentsOnly },
  // The assigned agent hands the ticket on; supervisors and admins may move anyone's (assertCanTransfer).
  "ticket:transfer": {
    stage: "assigned",
    payload: (w) => ({ ticketId: w.ticketId, to: { kind: "queue", skill: null }, note: "matrix" }),
    expect: { ...hostOnly, supervisor: "ok", admin: "ok" },
  },
  "ticket:note": {
    stage: "assigned",
    payload: (w) => ({ ticketId: w.ticketId, body: "internal" }),
    expect: { ...hostOnly, supervisor: "ok", admin: "ok" },
    check: (r, w, role) => expect((r.event as { actor: { id: string } }).actor.id).toBe(w.agentId[role as AgentRole]),
  },
  // Internal history: every agent, never a visitor (not even the ticket's own).
  "ticket:timeline": { stage: "assigned", payload: (w) => ({ ticketId: w.ticketId }), expect: agentsOnly },
  "ticket:rate": { stage: "assigned", payload: (w) => ({ ticketId: w.ticketId, rating: 5, comment: "thanks" }), expect: ownerOnly },
  "availability:get": { stage: "none", payload: () => ({}), expect: agentsOnly },
  "availability:set": { stage: "none", payload: () => ({ availability: "available" }), expect: agentsOnly },
  "queue:list": { stage: "none", payload: () => ({}), expect: agentsOnly },
  "queue:takeNext": {
    stage: "waiting",
    payload: () => ({}),
    expect: agentsOnly,
    check: (r, w) => expect((r.ticket as { id: string }).id).toBe(w.ticketId),
  },
  "queue:mine": { stage: "none", payload: () => ({}), expect: agentsOnly },
  "agents:list": { stage: "none", payload: () => ({}), expect: agentsOnly },
  "history:list": { stage: "none", payload: () => ({}), expect: agentsOnly },
  // The desk's figures: supervisors and admins only; agents and visitors are refused.
  "supervisor:figures": {
    stage: "waiting",
    payload: () => ({}),
    expect: { visitorA: F, visitorB: F, agent2: F, agent1: F, supervisor: "ok", admin: "ok" },
    check: (r) => expect((r.figures as { waiting: number }).waiting).toBeGreaterThanOrEqual(1),
  },
  "mp:create": {
    stage: "none",
    payload: () => ({ title: "Matrix" }),
    expect: agentsOnly,
    check: (r, w, role) => expect((r.meetingPoint as { hostId: string }).hostId).toBe(userIdOfRole(w, role)),
  },
  "mp:get": { stage: "assigned", payload: mp, expect: ownerAndHost },
  "mp:invite": { stage: "assigned", payload: (w) => ({ ...mp(w), inviteeId: `visitor:${w.b.visitorId}` }), expect: hostOnly },
  // Anyone holding the id may ask to join (the host decides); the host is already in.
  "mp:requestJoin": { stage: "assigned", payload: mp, expect: { ...all("ok"), agent1: "CONFLICT" } },
  "mp:admit": { stage: "waitList", payload: (w) => ({ ...mp(w), entryId: w.entryId }), expect: hostOnly },
  "mp:deny": { stage: "waitList", payload: (w) => ({ ...mp(w), entryId: w.entryId }), expect: hostOnly },
  "mp:remove": { stage: "inCall", payload: (w) => ({ ...mp(w), userId: `visitor:${w.a.visitorId}` }), expect: hostOnly },
  // The invitation is visitor A's: nobody else, not even the host, answers it.
  "mp:accept": { stage: "invited", payload: (w) => ({ ...mp(w), invitationId: w.invitationId }), expect: ownerOnly },
  "mp:decline": { stage: "invited", payload: (w) => ({ ...mp(w), invitationId: w.invitationId }), expect: ownerOnly },
  "mp:host": { stage: "assigned", payload: mp, expect: hostOnly },
  "mp:leave": {
    stage: "inCall",
    payload: mp,
    expect: { visitorA: "ok", visitorB: "NOT_FOUND", agent2: "NOT_FOUND", agent1: "ok", supervisor: "NOT_FOUND", admin: "NOT_FOUND" },
  },
  "mp:end": { stage: "assigned", payload: mp, expect: hostOnly },
  "chat:send": {
    stage: "assigned",
    payload: (w) => ({ ...mp(w), body: "hello" }),
    expect: ownerAndHost,
    check: (r, w, role) => expect((r.message as { senderId: string }).senderId).toBe(userIdOfRole(w, role)),
  },
  "chat:history": { stage: "assigned", payload: mp, expect: { ...agentsOnly, visitorA: "ok" } },
  // Everyone gets ICE servers; a TURN credential, when configured, names the caller (stack: STUN only here).
  "rtc:iceServers": { stage: "none", payload: () => ({}), expect: all("ok") },
  "rtc:signal": {
    stage: "inCall",
    payload: (w, role) => ({
      ...mp(w),
      to: role === "visitorA" ? `agent:${w.agentId.agent1}` : `visitor:${w.a.visitorId}`,
      // A claimed sender inside the message must not survive the relay.
      message: { type: "candidate", candidate: null, from: `agent:${w.agentId.agent2}` },
    }),
    expect: ownerAndHost,
  },
  "recording:start": { stage: "assigned", payload: mp, expect: hostOnly },
  "recording:stop": { stage: "recording", payload: mp, expect: hostOnly },
  "recording:pause": { stage: "recording", payload: mp, expect: hostOnly },
  "recording:resume": { stage: "paused", payload: mp, expect: hostOnly },
  // Participants publish their own media; only the host adds external sources (REST).
  // Visitor A publishes once they agreed to be recorded (without consent: FORBIDDEN, tests/integration/recording-consent.test.ts).
  "recording:publish": { stage: "consented", payload: (w) => ({ ...mp(w), source: "camera" }), expect: ownerAndHost },
  // Only the visitors in the call are asked; agents are not, and nobody answers for someone else.
  "recording:consent": {
    stage: "recording",
    payload: (w) => ({ ...mp(w), decision: "given", textSha256: CONSENT_HASH }),
    expect: ownerOnly,
  },
};

describe(`socket authorization matrix (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  const agents = {} as Record<AgentRole, TestClient>;
  const agentId = {} as Record<AgentRole, string>;

  beforeAll(async () => {
    // A long grace period: a visitor socket closed at the end of a case must not act later in another.
    stack = await startRealtimeStack({ graceMs: 600_000 });
    await new StaffAccounts(stack.db.prisma).create({
      username: "supervisor",
      displayName: "Sue Supervisor",
      password: "supervisor-pass",
      role: "supervisor",
      skills: ["general"],
    });
    for (const name of AGENT_ROLES) {
      agents[name] = await stack.agent(name);
      agentId[name] = (await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: name } })).id;
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function build(stage: Stage): Promise<{ w: World; extra: TestClient[] }> {
    const a = await stack.visitor({ name: "Ann" });
    const b = await stack.visitor({ name: "Ben" });
    const w: World = {
      a,
      b,
      agentId,
      ticketId: "",
      meetingPointId: "",
      invitationId: "",
      entryId: "",
      client: { visitorA: a, visitorB: b, ...agents },
    };
    const extra: TestClient[] = [];
    const reached = (s: Stage) => (stage === "waitList" ? ["waiting", "assigned"].includes(s) : ORDER.indexOf(stage) >= ORDER.indexOf(s));
    if (reached("waiting")) w.ticketId = (await a.ok("ticket:open", { skill: "general" })).ticket.id;
    if (reached("assigned")) {
      const taken = await agents.agent1.ok("queue:takeNext", {});
      expect(taken.ticket?.id).toBe(w.ticketId);
      w.meetingPointId = taken.meetingPoint!.id;
    }
    if (stage === "waitList") {
      const c = await stack.visitor({ name: "Cy" });
      extra.push(c);
      w.entryId = (await c.ok("mp:requestJoin", mp(w))).meetingPoint.myWaitListEntry!.id;
    }
    if (reached("invited")) {
      await agents.agent1.ok("ticket:inviteToVideo", { ticketId: w.ticketId });
      const invitation = await stack.db.prisma.invitation.findFirstOrThrow({
        where: { meetingPointId: w.meetingPointId, inviteeId: `visitor:${a.visitorId}` },
      });
      w.invitationId = invitation.id;
    }
    if (reached("inCall")) await a.ok("mp:accept", { ...mp(w), invitationId: w.invitationId });
    if (reached("recording")) expect((await agents.agent1.ok("recording:start", mp(w))).recording.status).toBe("recording");
    if (reached("consented")) await a.ok("recording:consent", { ...mp(w), decision: "given", textSha256: stack.desk.consent.textSha256 });
    if (reached("paused")) await agents.agent1.ok("recording:pause", mp(w));
    return { w, extra };
  }

  /** Everything a request could change, serialized; equal before and after a refusal. */
  async function snapshot(w: World): Promise<string> {
    const p = stack.db.prisma;
    const state = {
      tickets: await p.ticket.findMany({ orderBy: { id: "asc" } }),
      meetingPoints: await p.meetingPoint.findMany({
        orderBy: { id: "asc" },
        include: { invitations: true, waitList: true, participants: true, recordings: true },
      }),
      messages: await p.chatMessage.count(),
      consents: await p.recordingConsent.count(),
      focus: w.meetingPointId,
    };
    return JSON.stringify(state, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  }

  /** Later cases take "the next ticket": nothing may stay waiting from an earlier one. */
  async function cleanUp(w: World, extra: TestClient[]): Promise<void> {
    for (const c of [w.a, w.b, ...extra]) c.close();
    await stack.db.prisma.ticket.updateMany({ where: { status: "waiting" }, data: { status: "abandoned", closedAt: new Date() } });
  }

  it("has one row per protocol event, and every row names every role", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(Object.keys(requests).sort());
    for (const row of Object.values(MATRIX)) expect(Object.keys(row.expect).sort()).toEqual([...ROLES].sort());
  });

  describe.each(Object.keys(requests).sort() as RequestName[])("%s", (event) => {
    const row = MATRIX[event];
    it.each(ROLES)(`as %s`, async (role) => {
      const expected = row?.expect[role];
      expect(expected, `no matrix row for ${event}`).toBeDefined();
      const { w, extra } = await build(row.stage);
      try {
        const payload = row.payload(w, role);
        expect(requests[event].safeParse(payload).success, "the matrix sends a valid payload").toBe(true);
        const before = await snapshot(w);
        const relayed = event === "rtc:signal" && expected === "ok" ? nextSignal(w, role) : null;
        const reply = (await w.client[role].socket.timeout(5000).emitWithAck(event, payload)) as Record<string, unknown>;
        if (expected === "ok") {
          expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true });
          await row.check?.(reply, w, role);
          if (relayed)
            expect(await relayed).toMatchObject({ from: userIdOfRole(w, role), message: { type: "candidate", candidate: null } });
          if (relayed) expect(((await relayed) as { message: object }).message).not.toHaveProperty("from");
        } else {
          expect(reply, JSON.stringify(reply)).toMatchObject({ ok: false, code: expected });
          expect(await snapshot(w), "a refused request changed nothing").toBe(before);
        }
      } finally {
        await cleanUp(w, extra);
      }
    });
  });

  function nextSignal(w: World, role: Role): Promise<unknown> {
    const receiver = role === "visitorA" ? agents.agent1 : w.a;
    return receiver.next("rtc:signal", (p: { meetingPointId: string }) => p.meetingPointId === w.meetingPointId);
  }

  it("identity fields in a payload are refused for every event, never taken as the caller", async () => {
    const { w, extra } = await build("inCall");
    try {
      for (const event of Object.keys(requests) as RequestName[]) {
        for (const forged of [{ visitorId: w.a.visitorId }, { agentId: agentId.agent1 }, { userId: `agent:${agentId.agent1}` }]) {
          const base = MATRIX[event].payload(w, "visitorB") as Record<string, unknown>;
          if (Object.keys(forged).every((k) => k in base)) continue; // mp:remove legitimately names a userId (the target)
          const reply = await w.b.socket.timeout(5000).emitWithAck(event, { ...base, ...forged });
          expect(reply, `${event} ${JSON.stringify(forged)}`).toMatchObject({ ok: false, code: "BAD_REQUEST" });
        }
      }
    } finally {
      await cleanUp(w, extra);
    }
  });

  it("ids of things that do not exist are NOT_FOUND for the host agent, for every event that takes one", async () => {
    const idKeys = ["ticketId", "meetingPointId"];
    const { w, extra } = await build("assigned");
    try {
      for (const event of Object.keys(requests) as RequestName[]) {
        const base = MATRIX[event].payload(w, "agent1") as Record<string, unknown>;
        if (!idKeys.some((k) => k in base)) continue;
        const unknown = Object.fromEntries(
          Object.entries(base).map(([k, v]) => [
            k,
            idKeys.includes(k) || (k.endsWith("Id") && typeof v === "string" && !v.includes(":")) ? randomUUID() : v,
          ]),
        );
        const reply = await agents.agent1.socket.timeout(5000).emitWithAck(event, unknown);
        expect(reply, `${event} ${JSON.stringify(unknown)}`).toMatchObject({ ok: false, code: "NOT_FOUND" });
      }
    } finally {
      await cleanUp(w, extra);
    }
  });

  it("anonymous: a handshake without valid credentials is refused before any event can be sent", async () => {
    const variants: { what: string; auth?: Record<string, unknown>; cookie?: string }[] = [
      { what: "nothing" },
      { what: "a claimed visitorId", auth: { visitorId: randomUUID() } },
      { what: "a claimed agent", auth: { agentId: agentId.agent1, username: "agent1", role: "admin" } },
      { what: "an empty visitor token", auth: { visitorToken: "" } },
      { what: "a garbage session cookie", cookie: "next-auth.session-token=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." },
    ];
    for (const v of variants) {
      const socket = connect(stack.url, {
        transports: ["websocket"],
        reconnection: false,
        auth: v.auth ?? {},
        extraHeaders: v.cookie ? { cookie: v.cookie } : undefined,
      });
      try {
        const outcome = await new Promise<unknown>((resolve) => {
          socket.once("connect", () => resolve("connected"));
          socket.once("connect_error", (err) => resolve((err as Error & { data?: unknown }).data));
        });
        expect(outcome, v.what).toMatchObject({ code: "UNAUTHENTICATED" });
      } finally {
        socket.disconnect();
      }
    }
  });
});

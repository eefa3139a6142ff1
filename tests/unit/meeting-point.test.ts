import { describe, expect, it } from "vitest";
import {
  applyChanges,
  concernedUsers,
  decide,
  newMeetingPoint,
  waitingList,
  type Actor,
  type Command,
  type MeetingPoint,
} from "@/lib/domain/meeting-point";
import { DomainError } from "@/lib/domain/result";

const host: Actor = { userId: "agent:00000000-0000-4000-8000-000000000001", displayName: "Alice" };
const v1: Actor = { userId: "visitor:00000000-0000-4000-8000-0000000000a1", displayName: "Vera" };
const v2: Actor = { userId: "visitor:00000000-0000-4000-8000-0000000000a2", displayName: "Walt" };
const v3: Actor = { userId: "visitor:00000000-0000-4000-8000-0000000000a3", displayName: "Xena" };

function harness() {
  let n = 0;
  let t = Date.parse("2026-01-01T10:00:00Z");
  const ctx = () => ({ now: new Date((t += 1000)), newId: () => `id-${++n}` });
  let mp: MeetingPoint = newMeetingPoint(host, ctx());
  const run = (actor: Actor, command: Command) => {
    const c = ctx();
    const changes = decide(mp, actor, command, c);
    mp = applyChanges(mp, changes, c.now);
    return changes;
  };
  const refused = (actor: Actor, command: Command) => {
    try {
      run(actor, command);
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      return (error as DomainError).code;
    }
    throw new Error("expected a refusal");
  };
  return {
    run,
    refused,
    get mp() {
      return mp;
    },
  };
}

describe("meeting point state machine", () => {
  it("starts scheduled with the host as participant, goes live on host() and ends on end()", () => {
    const h = harness();
    expect(h.mp.state).toBe("scheduled");
    expect(h.mp.participants.map((p) => [p.userId, p.role])).toEqual([[host.userId, "host"]]);
    h.run(host, { type: "host" });
    expect(h.mp.state).toBe("live");
    expect(h.mp.startedAt).toBeInstanceOf(Date);
    expect(h.run(host, { type: "host" })).toEqual([]); // idempotent
    h.run(host, { type: "end" });
    expect(h.mp.state).toBe("ended");
    expect(h.mp.participants.every((p) => p.leftAt)).toBe(true);
    expect(h.refused(host, { type: "host" })).toBe("CONFLICT");
  });

  it("invitations work before any video starts; only the invitee answers", () => {
    const h = harness();
    h.run(host, { type: "invite", inviteeId: v1.userId, message: "Can we talk?" });
    expect(h.mp.state).toBe("scheduled");
    const invitation = h.mp.invitations[0]!;
    expect(invitation).toMatchObject({ inviteeId: v1.userId, status: "pending", message: "Can we talk?" });
    expect(h.run(host, { type: "invite", inviteeId: v1.userId })).toEqual([]); // no duplicate pending invitation
    expect(h.refused(v2, { type: "accept", invitationId: invitation.id })).toBe("FORBIDDEN");
    h.run(v1, { type: "accept", invitationId: invitation.id });
    expect(h.mp.participants.map((p) => p.userId)).toContain(v1.userId);
    expect(h.refused(v1, { type: "accept", invitationId: invitation.id })).toBe("CONFLICT");
  });

  it("a declined invitation adds nobody", () => {
    const h = harness();
    h.run(host, { type: "invite", inviteeId: v1.userId });
    h.run(v1, { type: "decline", invitationId: h.mp.invitations[0]!.id });
    expect(h.mp.invitations[0]!.status).toBe("declined");
    expect(h.mp.participants).toHaveLength(1);
  });

  it("keeps the wait list in request order; asking again keeps one's place", () => {
    const h = harness();
    h.run(v2, { type: "requestJoin" });
    h.run(v1, { type: "requestJoin" });
    h.run(v3, { type: "requestJoin" });
    expect(h.run(v2, { type: "requestJoin" })).toEqual([]);
    expect(waitingList(h.mp).map((e) => e.displayName)).toEqual(["Walt", "Vera", "Xena"]);
    const [walt, vera] = waitingList(h.mp);
    h.run(host, { type: "admit", entryId: vera!.id });
    h.run(host, { type: "deny", entryId: walt!.id });
    expect(waitingList(h.mp).map((e) => e.displayName)).toEqual(["Xena"]);
    expect(h.mp.participants.map((p) => p.displayName)).toEqual(["Alice", "Vera"]);
    expect(h.refused(host, { type: "admit", entryId: walt!.id })).toBe("CONFLICT");
  });

  it("only the host admits, denies, invites, removes, starts and ends", () => {
    const h = harness();
    h.run(v1, { type: "requestJoin" });
    const entry = waitingList(h.mp)[0]!;
    expect(h.refused(v1, { type: "admit", entryId: entry.id })).toBe("FORBIDDEN");
    expect(h.refused(v2, { type: "deny", entryId: entry.id })).toBe("FORBIDDEN");
    expect(h.refused(v1, { type: "invite", inviteeId: v2.userId })).toBe("FORBIDDEN");
    expect(h.refused(v1, { type: "host" })).toBe("FORBIDDEN");
    expect(h.refused(v1, { type: "end" })).toBe("FORBIDDEN");
    h.run(host, { type: "admit", entryId: entry.id });
    expect(h.refused(v1, { type: "remove", userId: host.userId })).toBe("FORBIDDEN");
    expect(h.refused(host, { type: "remove", userId: host.userId })).toBe("CONFLICT");
    h.run(host, { type: "remove", userId: v1.userId });
    expect(h.mp.participants.find((p) => p.userId === v1.userId)!.leftAt).toBeInstanceOf(Date);
  });

  it("a participant who leaves can be invited and join again", () => {
    const h = harness();
    h.run(host, { type: "host" });
    h.run(host, { type: "invite", inviteeId: v1.userId });
    h.run(v1, { type: "accept", invitationId: h.mp.invitations[0]!.id });
    h.run(v1, { type: "leave" });
    expect(h.refused(v1, { type: "leave" })).toBe("NOT_FOUND");
    h.run(host, { type: "invite", inviteeId: v1.userId });
    h.run(v1, { type: "accept", invitationId: h.mp.invitations[1]!.id });
    expect(h.mp.participants.filter((p) => p.userId === v1.userId)).toHaveLength(2);
  });

  it("ending revokes invitations and withdraws waiting requests; concerned users are listed", () => {
    const h = harness();
    h.run(host, { type: "invite", inviteeId: v1.userId });
    h.run(v2, { type: "requestJoin" });
    expect(concernedUsers(h.mp).sort()).toEqual([host.userId, v1.userId, v2.userId].sort());
    h.run(host, { type: "end" });
    expect(h.mp.invitations[0]!.status).toBe("revoked");
    expect(h.mp.waitList[0]!.status).toBe("withdrawn");
    expect(concernedUsers(h.mp)).toEqual([host.userId]);
  });

  it("hands over: the call stops, everyone leaves, the new host takes it and can start the call again", () => {
    const h = harness();
    const bob: Actor = { userId: "agent:00000000-0000-4000-8000-000000000002", displayName: "Bob" };
    h.run(host, { type: "invite", inviteeId: v1.userId });
    h.run(v1, { type: "accept", invitationId: h.mp.invitations[0]!.id });
    h.run(host, { type: "host" });
    h.run(host, { type: "invite", inviteeId: v2.userId });
    expect(h.refused(v1, { type: "handOver", newHost: v1 })).toBe("FORBIDDEN");
    expect(h.refused(bob, { type: "handOver", newHost: bob })).toBe("FORBIDDEN");
    h.run(host, { type: "handOver", newHost: bob });
    expect(h.mp).toMatchObject({ hostId: bob.userId, state: "scheduled" });
    expect(h.mp.participants.filter((p) => !p.leftAt).map((p) => [p.displayName, p.role])).toEqual([["Bob", "host"]]);
    expect(h.mp.invitations.map((i) => i.status)).toEqual(["accepted", "revoked"]);
    // The former host has no rights left; the new one starts the call again.
    expect(h.refused(host, { type: "invite", inviteeId: v1.userId })).toBe("FORBIDDEN");
    h.run(bob, { type: "invite", inviteeId: v1.userId });
    h.run(bob, { type: "host" });
    expect(h.mp.state).toBe("live");
  });

  it("hands over to nobody yet (back to a queue): the host stays until the next agent takes it", () => {
    const h = harness();
    h.run(host, { type: "host" });
    h.run(host, { type: "handOver", newHost: null });
    expect(h.mp).toMatchObject({ hostId: host.userId, state: "scheduled" });
    expect(h.mp.participants.every((p) => p.leftAt)).toBe(true);
    // Taken again by the same agent: they rejoin as host.
    h.run(host, { type: "handOver", newHost: host });
    expect(h.mp.participants.filter((p) => !p.leftAt).map((p) => p.role)).toEqual(["host"]);
  });
});

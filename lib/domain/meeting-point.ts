// The meeting point: a place where users gather, with a host who has elevated rights.
// Pure rules: `decide` checks who may do what in which state and returns the changes to persist;
// it never touches a database or a socket, so the rules are tested on their own.
import { conflict, forbidden, notFound } from "@/lib/domain/result";

export type MeetingPointState = "scheduled" | "live" | "ended";
export type InvitationStatus = "pending" | "accepted" | "declined" | "revoked";
export type WaitListStatus = "waiting" | "admitted" | "denied" | "withdrawn";

export interface Invitation {
  id: string;
  inviteeId: string;
  status: InvitationStatus;
  message: string | null;
  createdAt: Date;
}

export interface WaitListEntry {
  id: string;
  userId: string;
  displayName: string;
  status: WaitListStatus;
  requestedAt: Date;
}

export interface Participant {
  userId: string;
  displayName: string;
  role: "host" | "guest";
  joinedAt: Date;
  leftAt: Date | null;
}

export interface MeetingPoint {
  id: string;
  hostId: string;
  title: string | null;
  state: MeetingPointState;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  invitations: Invitation[];
  waitList: WaitListEntry[];
  participants: Participant[];
}

export interface Actor {
  userId: string;
  displayName: string;
}

export type Command =
  | { type: "invite"; inviteeId: string; message?: string }
  | { type: "requestJoin" }
  | { type: "admit"; entryId: string }
  | { type: "deny"; entryId: string }
  | { type: "remove"; userId: string }
  | { type: "accept"; invitationId: string }
  | { type: "decline"; invitationId: string }
  | { type: "host" }
  | { type: "leave" }
  | { type: "end" }
  /** The ticket moves on: the call stops and `newHost` (or, for a queue, nobody yet) takes the meeting point. */
  | { type: "handOver"; newHost: Actor | null };

/** What a command changes; the repository persists these in one transaction. */
export type Change =
  | { kind: "invitationCreated"; invitation: Invitation }
  | { kind: "invitationUpdated"; invitationId: string; status: InvitationStatus }
  | { kind: "waitListAdded"; entry: WaitListEntry }
  | { kind: "waitListUpdated"; entryId: string; status: WaitListStatus }
  | { kind: "participantJoined"; participant: Participant }
  | { kind: "participantLeft"; userId: string }
  | { kind: "stateChanged"; state: MeetingPointState }
  | { kind: "hostChanged"; hostId: string };

export interface DecideContext {
  now: Date;
  newId: () => string;
}

export function activeParticipants(mp: MeetingPoint): Participant[] {
  return mp.participants.filter((p) => p.leftAt === null);
}

export function isActiveParticipant(mp: MeetingPoint, userId: string): boolean {
  return mp.participants.some((p) => p.userId === userId && p.leftAt === null);
}

/**
 * Who may read a meeting point's conversation: its host and the people in it now. Those waiting, invited
 * or removed are concerned by the meeting point (they get its updates) but not by what is said in it.
 */
export function chatReaders(mp: MeetingPoint): string[] {
  return [...new Set([mp.hostId, ...activeParticipants(mp).map((p) => p.userId)])];
}

export function mayReadChat(mp: MeetingPoint, userId: string): boolean {
  return chatReaders(mp).includes(userId);
}

/** Waiting entries, oldest first: the order the host sees and admits in. */
export function waitingList(mp: MeetingPoint): WaitListEntry[] {
  return mp.waitList.filter((e) => e.status === "waiting").sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime());
}

/** Everyone a change to this meeting point concerns: host, people in it, invited or waiting. */
export function concernedUsers(mp: MeetingPoint): string[] {
  const users = new Set<string>([mp.hostId]);
  for (const p of activeParticipants(mp)) users.add(p.userId);
  for (const i of mp.invitations) if (i.status === "pending") users.add(i.inviteeId);
  for (const e of waitingList(mp)) users.add(e.userId);
  return [...users];
}

export function newMeetingPoint(host: Actor, ctx: DecideContext, title: string | null = null): MeetingPoint {
  return {
    id: ctx.newId(),
    hostId: host.userId,
    title,
    state: "scheduled",
    createdAt: ctx.now,
    startedAt: null,
    endedAt: null,
    invitations: [],
    waitList: [],
    participants: [{ userId: host.userId, displayName: host.displayName, role: "host", joinedAt: ctx.now, leftAt: null }],
  };
}

export function decide(mp: MeetingPoint, actor: Actor, command: Command, ctx: DecideContext): Change[] {
  const isHost = actor.userId === mp.hostId;
  const requireHost = () => {
    if (!isHost) throw forbidden("only the meeting point's host can do that");
  };
  if (mp.state === "ended") throw conflict("the meeting point has ended");

  switch (command.type) {
    case "invite": {
      requireHost();
      if (command.inviteeId === mp.hostId) throw conflict("the host cannot invite themselves");
      if (isActiveParticipant(mp, command.inviteeId)) throw conflict("that user is already in the meeting point");
      if (mp.invitations.some((i) => i.inviteeId === command.inviteeId && i.status === "pending")) return [];
      const invitation: Invitation = {
        id: ctx.newId(),
        inviteeId: command.inviteeId,
        status: "pending",
        message: command.message ?? null,
        createdAt: ctx.now,
      };
      return [{ kind: "invitationCreated", invitation }];
    }
    case "requestJoin": {
      if (isHost || isActiveParticipant(mp, actor.userId)) throw conflict("you are already in the meeting point");
      // Asking again keeps the original place in the list.
      if (mp.waitList.some((e) => e.userId === actor.userId && e.status === "waiting")) return [];
      const entry: WaitListEntry = {
        id: ctx.newId(),
        userId: actor.userId,
        displayName: actor.displayName,
        status: "waiting",
        requestedAt: ctx.now,
      };
      return [{ kind: "waitListAdded", entry }];
    }
    case "admit":
    case "deny": {
      requireHost();
      const entry = mp.waitList.find((e) => e.id === command.entryId);
      if (!entry) throw notFound("no such wait-list entry");
      if (entry.status !== "waiting") throw conflict(`that request was already ${entry.status}`);
      if (command.type === "deny") return [{ kind: "waitListUpdated", entryId: entry.id, status: "denied" }];
      return [
        { kind: "waitListUpdated", entryId: entry.id, status: "admitted" },
        ...join(mp, { userId: entry.userId, displayName: entry.displayName }, ctx),
      ];
    }
    case "remove": {
      requireHost();
      if (command.userId === mp.hostId) throw conflict("the host cannot be removed; end the meeting point instead");
      if (!isActiveParticipant(mp, command.userId)) throw notFound("that user is not in the meeting point");
      return [{ kind: "participantLeft", userId: command.userId }];
    }
    case "accept":
    case "decline": {
      const invitation = mp.invitations.find((i) => i.id === command.invitationId);
      if (!invitation) throw notFound("no such invitation");
      if (invitation.inviteeId !== actor.userId) throw forbidden("that invitation is for someone else");
      if (invitation.status !== "pending") throw conflict(`that invitation was already ${invitation.status}`);
      if (command.type === "decline") return [{ kind: "invitationUpdated", invitationId: invitation.id, status: "declined" }];
      return [{ kind: "invitationUpdated", invitationId: invitation.id, status: "accepted" }, ...join(mp, actor, ctx)];
    }
    case "host": {
      requireHost();
      if (mp.state === "live") return [];
      const changes: Change[] = [{ kind: "stateChanged", state: "live" }];
      if (!isActiveParticipant(mp, mp.hostId)) changes.push(...join(mp, actor, ctx, "host"));
      return changes;
    }
    case "leave": {
      if (!isActiveParticipant(mp, actor.userId)) throw notFound("you are not in the meeting point");
      return [{ kind: "participantLeft", userId: actor.userId }];
    }
    case "handOver": {
      requireHost();
      const changes = clearCall(mp);
      if (mp.state === "live") changes.push({ kind: "stateChanged", state: "scheduled" });
      if (command.newHost) {
        if (command.newHost.userId !== mp.hostId) changes.push({ kind: "hostChanged", hostId: command.newHost.userId });
        // The new host is in the meeting point from the start, as its creator is (newMeetingPoint).
        changes.push({
          kind: "participantJoined",
          participant: {
            userId: command.newHost.userId,
            displayName: command.newHost.displayName,
            role: "host",
            joinedAt: ctx.now,
            leftAt: null,
          },
        });
      }
      return changes;
    }
    case "end": {
      requireHost();
      return [...clearCall(mp), { kind: "stateChanged", state: "ended" }];
    }
  }
}

/** Everyone leaves, nobody stays invited or waiting: the call is over (ended, or handed over). */
function clearCall(mp: MeetingPoint): Change[] {
  return [
    ...mp.invitations
      .filter((i) => i.status === "pending")
      .map((i): Change => ({ kind: "invitationUpdated", invitationId: i.id, status: "revoked" })),
    ...waitingList(mp).map((e): Change => ({ kind: "waitListUpdated", entryId: e.id, status: "withdrawn" })),
    ...activeParticipants(mp).map((p): Change => ({ kind: "participantLeft", userId: p.userId })),
  ];
}

function join(mp: MeetingPoint, who: Actor, ctx: DecideContext, role: "host" | "guest" = "guest"): Change[] {
  if (isActiveParticipant(mp, who.userId)) return [];
  return [
    {
      kind: "participantJoined",
      participant: { userId: who.userId, displayName: who.displayName, role, joinedAt: ctx.now, leftAt: null },
    },
  ];
}

/** Applies changes to a snapshot: used by the repository to return the new state, and by tests. */
export function applyChanges(mp: MeetingPoint, changes: Change[], now: Date): MeetingPoint {
  const next: MeetingPoint = {
    ...mp,
    invitations: mp.invitations.map((i) => ({ ...i })),
    waitList: mp.waitList.map((e) => ({ ...e })),
    participants: mp.participants.map((p) => ({ ...p })),
  };
  for (const change of changes) {
    switch (change.kind) {
      case "invitationCreated":
        next.invitations.push({ ...change.invitation });
        break;
      case "invitationUpdated":
        next.invitations.find((i) => i.id === change.invitationId)!.status = change.status;
        break;
      case "waitListAdded":
        next.waitList.push({ ...change.entry });
        break;
      case "waitListUpdated":
        next.waitList.find((e) => e.id === change.entryId)!.status = change.status;
        break;
      case "participantJoined":
        next.participants.push({ ...change.participant });
        break;
      case "participantLeft":
        for (const p of next.participants) if (p.userId === change.userId && p.leftAt === null) p.leftAt = now;
        break;
      case "hostChanged":
        next.hostId = change.hostId;
        break;
      case "stateChanged":
        next.state = change.state;
        if (change.state === "live") next.startedAt ??= now;
        if (change.state === "ended") next.endedAt = now;
        break;
    }
  }
  return next;
}

// Which waiting tickets alert an agent, and the background tab title.
import { describe, expect, it } from "vitest";
import {
  type AlertTracker,
  baseTitle,
  canTake,
  initialAlertTracker,
  markSeen,
  notificationText,
  titleWithCount,
  trackWaitingList,
  type WaitingTicket,
} from "@/lib/domain/ticket-alerts";

const skills = ["general", "technical"];
const ticket = (id: string, skill: string | null = "general"): WaitingTicket => ({ id, skill, visitorName: `Visitor ${id}` });

/** Feeds lists one after another, collecting the ids that alerted at each step. */
function feed(lists: WaitingTicket[][], background = false, start: AlertTracker = initialAlertTracker) {
  let tracker = start;
  const alerted: string[][] = [];
  for (const list of lists) {
    const step = trackWaitingList(tracker, list, skills, background);
    tracker = step.tracker;
    alerted.push(step.alerts.map((t) => t.id));
  }
  return { tracker, alerted };
}

describe("canTake", () => {
  it("accepts tickets without a skill and in the agent's skills only", () => {
    expect(canTake(null, [])).toBe(true);
    expect(canTake("technical", skills)).toBe(true);
    expect(canTake("billing", skills)).toBe(false);
  });
});

describe("trackWaitingList", () => {
  it("does not alert for what was already waiting when the console opened, even an empty queue", () => {
    expect(feed([[ticket("a"), ticket("b")]]).alerted).toEqual([[]]);
    expect(feed([[], [ticket("a")]]).alerted).toEqual([[], ["a"]]);
  });

  it("alerts for each new ticket once, however many broadcasts repeat it", () => {
    const { alerted } = feed([[ticket("a")], [ticket("a"), ticket("b")], [ticket("a"), ticket("b")], [ticket("b"), ticket("c")]]);
    expect(alerted).toEqual([[], ["b"], [], ["c"]]);
  });

  it("does not alert again for a ticket missing from one (stale) list", () => {
    expect(feed([[], [ticket("a")], [], [ticket("a")]]).alerted).toEqual([[], ["a"], [], []]);
  });

  it("alerts only for tickets the agent can take", () => {
    const { alerted } = feed([[], [ticket("a", "billing"), ticket("b", null), ticket("c", "technical")]]);
    expect(alerted).toEqual([[], ["b", "c"]]);
  });

  it("counts unseen tickets in the background only, and drops those taken by someone else", () => {
    expect(feed([[], [ticket("a")]], false).tracker.unseen).toEqual([]);
    const { tracker } = feed(
      [[], [ticket("a")], [ticket("a"), ticket("b"), ticket("x", "billing")], [ticket("b"), ticket("x", "billing")]],
      true,
    );
    expect(tracker.unseen).toEqual(["b"]);
  });

  it("markSeen clears the count but keeps what is known, so nothing alerts again", () => {
    const hidden = feed([[], [ticket("a")]], true).tracker;
    const seen = markSeen(hidden);
    expect(seen.unseen).toEqual([]);
    expect(feed([[ticket("a")]], true, seen).alerted).toEqual([[]]);
  });
});

describe("titles", () => {
  it("prefixes the count and restores the page's own title", () => {
    expect(titleWithCount("Console · Video Help Desk", 2)).toBe("(2) Console · Video Help Desk");
    expect(titleWithCount("(2) Console · Video Help Desk", 3)).toBe("(3) Console · Video Help Desk");
    expect(titleWithCount("(3) Console · Video Help Desk", 0)).toBe("Console · Video Help Desk");
    expect(baseTitle("(12) Console")).toBe("Console");
    expect(baseTitle("(draft) notes")).toBe("(draft) notes");
  });

  it("names the skill and the visitor in the notification", () => {
    expect(notificationText(ticket("a", "technical"))).toEqual({ title: "New ticket: technical", body: "Visitor a is waiting for help." });
    expect(notificationText({ id: "b", skill: null, visitorName: null })).toEqual({
      title: "New ticket",
      body: "An anonymous visitor is waiting for help.",
    });
  });
});

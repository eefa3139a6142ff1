// Seeded generators of hostile values for the fuzz tests. Everything is derived from the Rng so a
// seed reproduces a run exactly; payloads are produced as JSON text so keys like `__proto__` survive.

export type Rng = () => number;

// The recorder's seeded generator (it drives the loss simulation), so one implementation serves both.
export { mulberry32 } from "@/recorder/ingest/impairment";

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
export const int = (rng: Rng, max: number) => Math.floor(rng() * max);

/** A uuid-shaped id made from the rng: valid for the schemas, but of nothing that exists. */
export function fakeUuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => int(rng, 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u202eRTL override\u202c",
  "مرحبا بالعالم",
  "😀👨‍👩‍👧‍👦🏳️‍🌈",
  "\ud800",
  "\udfff",
  "<script>alert(1)</script>",
  "'; DROP TABLE tickets; --",
  "$" + "{{7*7}}",
  "../../etc/passwd",
  "%s%s%n",
  "\r\n\r\n",
  "null",
  "undefined",
  "NaN",
  "__proto__",
  "constructor",
  "prototype",
  "agent:",
  "visitor:00000000-0000-0000-0000-000000000000",
  "00000000-0000-0000-0000-000000000000",
  "ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ",
  "\t",
  "\u200b\u200b",
  "ﷺ",
  "𝕳𝖊𝖑𝖑𝖔",
];
const NUMBERS = [0, -0, 1, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 31, -(2 ** 31), 101, 100, 5e-324];
const KEYS = [
  "meetingPointId",
  "ticketId",
  "entryId",
  "invitationId",
  "inviteeId",
  "userId",
  "to",
  "body",
  "name",
  "skill",
  "title",
  "limit",
  "progress",
  "source",
  "destination",
  "message",
  "type",
  "description",
  "candidate",
  "session",
];
const POLLUTING = [
  `"__proto__":{"polluted":"yes","isAdmin":true}`,
  `"constructor":{"prototype":{"polluted":"yes"}}`,
  `"prototype":{"polluted":"yes"}`,
  `"__proto__":null`,
];

export function fuzzString(rng: Rng): string {
  const r = rng();
  if (r < 0.5) return pick(rng, NASTY_STRINGS);
  if (r < 0.7) return Array.from({ length: int(rng, 40) }, () => String.fromCodePoint(int(rng, 0x2ffff))).join("");
  if (r < 0.8) return pick(rng, NASTY_STRINGS).repeat(1 + int(rng, 400)); // long, but under the 64 KB packet limit
  if (r < 0.9) return `${pick(rng, ["agent", "visitor"])}:${fakeUuid(rng)}`;
  return fakeUuid(rng);
}

/** A random JSON value as text; `depth` bounds nesting so a packet stays under the server's size limit. */
export function fuzzValueJson(rng: Rng, depth = 0): string {
  const r = rng();
  if (r < 0.3) return JSON.stringify(fuzzString(rng));
  if (r < 0.45) return JSON.stringify(pick(rng, NUMBERS));
  if (r < 0.5) return pick(rng, ["null", "true", "false", "{}", "[]", '""']);
  if (depth > 3 || r < 0.6) return JSON.stringify(fakeUuid(rng));
  if (r < 0.7) return `[${Array.from({ length: int(rng, 6) }, () => fuzzValueJson(rng, depth + 1)).join(",")}]`;
  if (r < 0.75) return deepNesting(rng);
  if (r < 0.8) return wideObject(rng);
  return fuzzObjectJson(rng, depth + 1);
}

function fuzzObjectJson(rng: Rng, depth: number): string {
  const fields = Array.from(
    { length: int(rng, 5) },
    () => `${JSON.stringify(rng() < 0.7 ? pick(rng, KEYS) : fuzzString(rng))}:${fuzzValueJson(rng, depth)}`,
  );
  if (rng() < 0.3) fields.splice(int(rng, fields.length + 1), 0, pick(rng, POLLUTING));
  return `{${fields.join(",")}}`;
}

/** Hundreds of levels deep: recursion in a validator or a logger would show here. */
function deepNesting(rng: Rng): string {
  const levels = 50 + int(rng, 450);
  return rng() < 0.5 ? "[".repeat(levels) + "]".repeat(levels) : `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/** A few thousand keys in one object. */
function wideObject(rng: Rng): string {
  const n = 500 + int(rng, 2500);
  return `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`;
}

/** What a well-meaning client would send for `event`, with ids of things that do not exist. */
function plausiblePayload(rng: Rng, event: string | number): Record<string, unknown> {
  const mpId = fakeUuid(rng);
  const user = `${pick(rng, ["agent", "visitor"])}:${fakeUuid(rng)}`;
  const byEvent: Record<string, Record<string, unknown>> = {
    "ticket:open": { name: "Fuzz", skill: "general" },
    "ticket:progress": { ticketId: fakeUuid(rng), progress: "ready" },
    "history:list": { limit: 1 + int(rng, 100) },
    "mp:create": { title: "fuzz room" },
    "mp:invite": { meetingPointId: mpId, inviteeId: user, message: "hi" },
    "mp:admit": { meetingPointId: mpId, entryId: fakeUuid(rng) },
    "mp:deny": { meetingPointId: mpId, entryId: fakeUuid(rng) },
    "mp:remove": { meetingPointId: mpId, userId: user },
    "mp:accept": { meetingPointId: mpId, invitationId: fakeUuid(rng) },
    "mp:decline": { meetingPointId: mpId, invitationId: fakeUuid(rng) },
    "chat:send": { meetingPointId: mpId, body: fuzzString(rng) || "x" },
    "rtc:signal": { meetingPointId: mpId, to: user, message: { type: "candidate", candidate: null } },
    "recording:start": { meetingPointId: mpId },
    "recording:publish": { meetingPointId: mpId, source: pick(rng, ["camera", "screen"]) },
  };
  if (typeof event !== "string") return {};
  if (Object.hasOwn(byEvent, event)) return byEvent[event]!;
  if (event.startsWith("ticket:") && !["ticket:mine", "ticket:open"].includes(event)) return { ticketId: fakeUuid(rng) };
  if (event.startsWith("mp:") || event.startsWith("chat:") || event.startsWith("recording:")) return { meetingPointId: mpId };
  return {};
}

/** One request payload as JSON text: plausible, mutated, or plain garbage. */
export function fuzzPayloadJson(rng: Rng, event: string | number): string {
  const r = rng();
  if (r < 0.35) return JSON.stringify(plausiblePayload(rng, event));
  if (r < 0.6) {
    const payload = plausiblePayload(rng, event);
    const keys = Object.keys(payload);
    const fields = keys.map((k) => `${JSON.stringify(k)}:${rng() < 0.4 ? fuzzValueJson(rng) : JSON.stringify(payload[k])}`);
    if (fields.length && rng() < 0.3) fields.splice(int(rng, fields.length), 1);
    if (rng() < 0.3) fields.push(rng() < 0.5 ? pick(rng, POLLUTING) : `${JSON.stringify(pick(rng, KEYS))}:${fuzzValueJson(rng)}`);
    return `{${fields.join(",")}}`;
  }
  return fuzzValueJson(rng);
}

/** Mostly declared event names; also unknown ones, Object.prototype's names and numbers. */
export function fuzzEventName(rng: Rng, declared: readonly string[]): string | number {
  const r = rng();
  if (r < 0.8) return pick(rng, declared);
  if (r < 0.88) return pick(rng, ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf", "__defineGetter__", "then"]);
  if (r < 0.92) return pick(rng, [0, 1, -1, 3.5, 1e21]);
  return fuzzString(rng).slice(0, 300) || "x";
}

// Chat traffic for the outage tests: visitors and agents with an open ticket each, every sender sending one
// numbered message at a time (paced under the chat rate limit) and recording exactly what the server answered.
import type { RealtimeStack, TestClient } from "@/tests/support/realtime-stack";

export interface ChatPair {
  visitor: TestClient;
  agent: TestClient;
  meetingPointId: string;
}

export interface SendResult {
  sender: string;
  meetingPointId: string;
  body: string;
  at: number;
  ms: number;
  /** "ok", the refusal code, or "NO_ANSWER" when the ack never came (the client gave up after 5 s). */
  outcome: string;
  message?: string;
}

/** `count` visitors on `visitorNode`, each with a ticket taken by agent1 on `agentNode`; returns each ticket's conversation. */
export async function openConversations(visitorNode: RealtimeStack, agentNode: RealtimeStack, count: number): Promise<ChatPair[]> {
  const agent = await agentNode.agent("agent1");
  const pairs: ChatPair[] = [];
  for (let i = 0; i < count; i++) {
    const visitor = await visitorNode.visitor({ name: `Load ${i}` });
    await visitor.ok("ticket:open", { skill: "general" });
    const { ticket } = await agent.ok("queue:takeNext", {});
    if (!ticket?.meetingPointId) throw new Error("the taken ticket has no meeting point");
    pairs.push({ visitor, agent, meetingPointId: ticket.meetingPointId });
  }
  return pairs;
}

/** Starts every sender; stop() waits for the requests in flight and returns every answer. */
export function startChatLoad(senders: { name: string; client: TestClient; meetingPointId: string }[], intervalMs: number) {
  const results: SendResult[] = [];
  let running = true;
  const loops = senders.map(async ({ name, client, meetingPointId }) => {
    for (let n = 0; running; n++) {
      const body = `${name}#${n}`;
      const at = Date.now();
      let outcome: string;
      let message: string | undefined;
      try {
        const reply = await client.request("chat:send", { meetingPointId, body });
        outcome = reply.ok ? "ok" : reply.code;
        message = reply.ok ? undefined : reply.message;
      } catch (error) {
        outcome = "NO_ANSWER";
        message = (error as Error).message;
      }
      results.push({ sender: name, meetingPointId, body, at, ms: Date.now() - at, outcome, message });
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - at))));
    }
  });
  return {
    results,
    async stop(): Promise<SendResult[]> {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

/** Polls `probe` until it is truthy; the time it took, or an error naming `what`. */
export async function within(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A help-desk video call set up through the real pages: a visitor asks for help on /visit, agent1 takes the
// ticket (optionally arms a recording first), invites, the visitor accepts, and both see each other. With
// `colourAndTone`, each sends its own colour and tone (`sent`), which the movie-content check finds in a movie.
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";
import { sendColourAndTone } from "@/tests/support/e2e/fake-camera";
import { PARTICIPANT_MEDIA, type SentMedia } from "@/tests/support/media/movie-content";

export interface OpenCall {
  visitor: Page;
  agent: Page;
  contexts: BrowserContext[];
  /** What each one sends as camera and microphone, agent first (with `colourAndTone`; else Chromium's fake device). */
  sent: SentMedia[];
}

export async function openCall(
  browser: Browser,
  opts: {
    visitorName: string;
    armBeforeCall?: boolean;
    colourAndTone?: boolean;
    cameraSize?: [number, number];
    /** The visitor's answer to the consent question of an armed recording (default: they agree). */
    consent?: "given" | "declined";
  },
): Promise<OpenCall> {
  const visitorContext = await browser.newContext();
  const agentContext = await browser.newContext();
  const sent: SentMedia[] = [
    { label: "agent", ...PARTICIPANT_MEDIA[0]! },
    { label: "visitor", ...PARTICIPANT_MEDIA[1]! },
  ];
  if (opts.colourAndTone) {
    await sendColourAndTone(agentContext, sent[0]!, opts.cameraSize);
    await sendColourAndTone(visitorContext, sent[1]!, opts.cameraSize);
  }
  const visitor = await visitorContext.newPage();
  const agent = await agentContext.newPage();
  await signIn(agent, "agent1", "agent1-pass");
  await visitor.goto("/visit");
  await visitor.getByLabel("Your name (optional)").fill(opts.visitorName);
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByTestId("waiting-screen")).toBeVisible();
  await agent.getByRole("button", { name: "Take next ticket" }).click();
  await expect(agent.getByTestId("ticket-visitor")).toHaveText(opts.visitorName);
  if (opts.armBeforeCall) {
    await agent.getByRole("button", { name: "Start recording" }).click();
    await expect(agent.getByTestId("recording-indicator")).toHaveAttribute("data-status", "armed");
  }
  await agent.getByRole("button", { name: "Invite to video" }).click();
  await expect(visitor.getByTestId("invitation")).toBeVisible();
  if (opts.armBeforeCall) {
    await expect(visitor.getByTestId("recording-notice")).toBeVisible();
    if (opts.consent === "declined") {
      await visitor.getByRole("button", { name: "Don't record me" }).click();
      await expect(visitor.getByTestId("recording-consent")).toHaveAttribute("data-consent", "declined");
    } else await agreeToRecording(visitor);
  }
  await visitor.getByRole("button", { name: "Accept" }).click();
  await expect(agent.getByTestId("remote-video")).toBeVisible({ timeout: 20_000 });
  await expect(visitor.getByTestId("remote-video")).toBeVisible({ timeout: 20_000 });
  return { visitor, agent, contexts: [visitorContext, agentContext], sent };
}

/** The visitor answers the recording-consent question with yes (nothing of theirs is recorded before). */
export async function agreeToRecording(visitor: Page): Promise<void> {
  await visitor.getByRole("button", { name: "I agree to be recorded" }).click();
  await expect(visitor.getByTestId("recording-consent")).toHaveAttribute("data-consent", "given");
}

/** The id of the recording running in the agent's selected ticket, from the meeting point's API view. */
export async function currentRecordingId(agent: Page): Promise<string> {
  const res = await agent.request.get(`/api/meeting-points/${await agent.getByTestId("ticket-panel").getAttribute("data-meeting-point")}`);
  return (await res.json()).recording.id as string;
}

// A minimal standard WHIP client (RFC 9725) run in a plain page, independent of the app's own client:
// POST the offer with the bearer token, apply the answer; returns the session URL (Location).
import type { Page } from "@playwright/test";

export async function publishFromPage(page: Page, credential: { whipUrl: string; token: string }): Promise<string> {
  return page.evaluate(async ({ whipUrl, token }) => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    const pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly" });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
      setTimeout(resolve, 3000);
    });
    const response = await fetch(whipUrl, {
      method: "POST",
      headers: { "content-type": "application/sdp", authorization: `Bearer ${token}` },
      body: pc.localDescription!.sdp,
    });
    if (response.status !== 201) throw new Error(`WHIP POST answered ${response.status}: ${await response.text()}`);
    await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
    (window as unknown as { pc: RTCPeerConnection }).pc = pc;
    return new URL(response.headers.get("location")!, whipUrl).toString();
  }, credential);
}

/** The page's WHIP connection state (after publishFromPage). */
export function whipConnectionState(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.connectionState);
}

/** Just enough SDP reading for the HTTP layer to refuse bad input before any WebRTC work is done. */

export type OfferCheck = { ok: true; iceUfrag: string; icePwd?: string } | { ok: false; problem: string };

function lines(sdp: string): string[] {
  return sdp
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export function checkSdpOffer(sdp: string): OfferCheck {
  const all = lines(sdp);
  if (all.length === 0 || !all[0].startsWith("v=")) return { ok: false, problem: "body is not SDP (must start with v=)" };
  const media = all.filter((l) => l.startsWith("m="));
  if (media.length === 0) return { ok: false, problem: "SDP has no m= lines" };
  if (!media.some((m) => m.startsWith("m=audio ") || m.startsWith("m=video "))) {
    return { ok: false, problem: "SDP offers neither audio nor video" };
  }
  // An answer (or a=setup:active) posted as an offer means the client got the roles wrong.
  const setups = all.filter((l) => l.startsWith("a=setup:")).map((l) => l.slice(8));
  if (setups.length > 0 && setups.every((s) => s === "active" || s === "passive")) {
    return { ok: false, problem: "SDP is not an offer (a=setup must be actpass in an offer)" };
  }
  const sendsSomething = all.some((l) => l === "a=sendonly" || l === "a=sendrecv");
  if (!sendsSomething) return { ok: false, problem: "SDP offer sends no media (need a=sendonly or a=sendrecv)" };
  const ufrag = all.find((l) => l.startsWith("a=ice-ufrag:"));
  if (!ufrag) return { ok: false, problem: "SDP offer has no a=ice-ufrag" };
  const pwd = all.find((l) => l.startsWith("a=ice-pwd:"));
  return { ok: true, iceUfrag: ufrag.slice(12), icePwd: pwd?.slice(10) };
}

export interface SdpFragment {
  iceUfrag?: string;
  icePwd?: string;
  /** Candidates grouped by the m-line (mid) they follow, in order; `mid` undefined before any m-line. */
  candidates: { mid?: string; mLineIndex: number; candidate: string }[];
  endOfCandidates: boolean;
}

/** Parses an application/trickle-ice-sdpfrag body (RFC 8840). */
export function parseSdpFragment(body: string): SdpFragment | { problem: string } {
  const frag: SdpFragment = { candidates: [], endOfCandidates: false };
  let mid: string | undefined;
  let mLineIndex = -1;
  let sawAnything = false;
  for (const l of lines(body)) {
    if (l.startsWith("a=ice-ufrag:")) frag.iceUfrag = l.slice(12);
    else if (l.startsWith("a=ice-pwd:")) frag.icePwd = l.slice(10);
    else if (l.startsWith("m=")) {
      mLineIndex++;
      mid = undefined;
    } else if (l.startsWith("a=mid:")) mid = l.slice(6);
    else if (l.startsWith("a=candidate:")) {
      frag.candidates.push({ mid, mLineIndex: Math.max(0, mLineIndex), candidate: l.slice(2) });
    } else if (l === "a=end-of-candidates") frag.endOfCandidates = true;
    else if (!l.startsWith("a=") && !l.startsWith("m=")) return { problem: `unexpected line in sdpfrag: ${l.slice(0, 40)}` };
    sawAnything = true;
  }
  if (!sawAnything) return { problem: "empty sdpfrag" };
  return frag;
}

/**
 * SDP plumbing for an ICE restart over PATCH (RFC 9725 §4.4.1, RFC 8840 fragments). werift has no
 * API to restart only ICE as the answerer, but it restarts its ICE agent whenever a remote offer
 * carries new credentials, so the restart is a re-offer of the original offer with the new
 * ufrag/pwd and without the old generation's candidates (the new ones come in the fragment).
 */

/** The previous remote offer with new ICE credentials and without the old candidates. */
export function restartOffer(previousOffer: string, ufrag: string, pwd: string): string {
  const eol = previousOffer.includes("\r\n") ? "\r\n" : "\n";
  return previousOffer
    .split(/\r?\n/)
    .filter((l) => !l.startsWith("a=candidate:") && l !== "a=end-of-candidates")
    .map((l) => (l.startsWith("a=ice-ufrag:") ? `a=ice-ufrag:${ufrag}` : l.startsWith("a=ice-pwd:") ? `a=ice-pwd:${pwd}` : l))
    .join(eol);
}

/** The answer sdpfrag: our new credentials, then the first (bundled) m-section's mid and candidates. */
export function answerIceFragment(answerSdp: string): string {
  const lines = answerSdp.split(/\r?\n/);
  const ufrag = lines.find((l) => l.startsWith("a=ice-ufrag:"));
  const pwd = lines.find((l) => l.startsWith("a=ice-pwd:"));
  if (!ufrag || !pwd) throw new Error("answer has no ICE credentials");
  const out = [ufrag, pwd];
  const group = lines.find((l) => l.startsWith("a=group:BUNDLE"));
  if (group) out.push(group);
  const firstM = lines.findIndex((l) => l.startsWith("m="));
  if (firstM >= 0) {
    const end = lines.findIndex((l, i) => i > firstM && l.startsWith("m="));
    const section = lines.slice(firstM, end < 0 ? undefined : end);
    out.push(section[0]);
    const mid = section.find((l) => l.startsWith("a=mid:"));
    if (mid) out.push(mid);
    out.push(...section.filter((l) => l.startsWith("a=candidate:")));
    if (section.includes("a=end-of-candidates")) out.push("a=end-of-candidates");
  }
  return `${out.join("\r\n")}\r\n`;
}

// Reading ICE candidate lines (`candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...`).

/** `udp <address> <port>` of a UDP candidate (`candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...`); undefined for TCP. */
export function remoteCandidateKey(candidate: string): string | undefined {
  const f = candidate.replace(/^a=/, "").split(" ");
  if (f.length < 6 || f[2].toLowerCase() !== "udp") return undefined;
  return `udp ${f[4]} ${f[5]}`;
}

/** Local ports in an SDP's candidates. */
export function candidatePorts(sdp: string): number[] {
  return [...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ \S+ (\d+) typ/gm)].map((m) => Number(m[1]));
}

import type { RTCPeerConnection } from "werift";

/**
 * werift 0.24.4's ICE agent queries stun.l.google.com:19302 whenever it is given no STUN server
 * (`iceServers: []` does not stop it: ice.js falls back to that default). The recorder advertises its
 * own addresses (host candidates, `iceAdditionalHostAddresses`) and needs no server-reflexive one;
 * without internet the DNS lookup and query either fail fast or hold the answer for werift's 5 s
 * gathering timeout (9 % of answers measured, 14 of 160). Call after setRemoteDescription (the ICE
 * transports exist) and before setLocalDescription (which gathers).
 */
export function withoutDefaultStun(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    const connection = (transport as unknown as { connection?: { stunServer?: unknown } }).connection;
    if (connection) connection.stunServer = undefined;
  }
}

// The contract between the WebRTC mesh (browser) and whatever relays its messages (Socket.IO in the app,
// BroadcastChannel in the tests). Kept free of transport types so either side can change independently.

/**
 * `session` (optional on every message) identifies the sender's RTCPeerConnection for this pair. It lets a
 * receiver tell a peer that reloaded (new connection, same user id) from late messages of the old one. A relay
 * that strips it still works: the mesh then falls back to rebuilding a connection whose offer cannot be applied.
 */
export type SignalMessage =
  | { type: "description"; description: RTCSessionDescriptionInit; session?: string }
  | { type: "candidate"; candidate: RTCIceCandidateInit | null; session?: string }
  // tells peers which incoming stream is the screen share and the sender's mute state
  | { type: "media"; screenStreamId: string | null; audioEnabled: boolean; videoEnabled: boolean; session?: string };

export interface SignallingChannel {
  /** Sends to one peer (the server relays it; `to` is a user id such as "agent:…" or "visitor:…"). */
  send(to: string, message: SignalMessage): void;
  /** Returns an unsubscribe function. */
  onMessage(handler: (from: string, message: SignalMessage) => void): () => void;
}

export interface CallPeerInfo {
  userId: string;
  name: string;
}

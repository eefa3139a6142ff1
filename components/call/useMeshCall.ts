"use client";

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { MeshCall, type CallSnapshot } from "@/lib/rtc/mesh-call";
import type { CallPeerInfo, SignallingChannel } from "@/lib/rtc/signalling";

export interface UseMeshCallOptions {
  selfId: string;
  peers: CallPeerInfo[];
  signalling: SignallingChannel;
  iceServers: RTCIceServer[];
}

export interface MeshCallState {
  /** Null while the camera and microphone are being requested. */
  call: MeshCall | null;
  snapshot: CallSnapshot | null;
  /** Why the call runs without camera and/or microphone, for the user. */
  mediaError: string | null;
  /** Closes the connections and turns the camera and microphone off at once. */
  leave(): void;
}

function describeMediaError(err: unknown): string {
  const name = (err as DOMException | undefined)?.name;
  if (name === "NotAllowedError" || name === "SecurityError") return "permission was denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "no device was found";
  if (name === "NotReadableError") return "the device is in use by another application";
  return "the device could not be opened";
}

/** Camera and microphone if possible, else whichever one works, else nothing: the call goes on regardless. */
async function openLocalMedia(): Promise<{ stream: MediaStream; error: string | null }> {
  const media = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
  if (!media?.getUserMedia) {
    return { stream: new MediaStream(), error: "This page cannot use a camera or microphone (it needs https). You joined without them." };
  }
  let firstError: unknown;
  for (const constraints of [{ audio: true, video: true }, { audio: true }, { video: true }] as MediaStreamConstraints[]) {
    try {
      const stream = await media.getUserMedia(constraints);
      if (constraints.video && constraints.audio) return { stream, error: null };
      const missing = constraints.audio ? "Camera" : "Microphone";
      return { stream, error: `${missing} unavailable: ${describeMediaError(firstError)}.` };
    } catch (err) {
      firstError ??= err;
      // A refused permission refuses every combination; asking again would only repeat the refusal.
      if ((err as DOMException).name === "NotAllowedError") break;
    }
  }
  return {
    stream: new MediaStream(),
    error: `Camera and microphone unavailable (${describeMediaError(firstError)}). You joined without them and can still see and hear the others.`,
  };
}

const noSubscription = () => () => {};
const noSnapshot = () => null;

export function useMeshCall({ selfId, peers, signalling, iceServers }: UseMeshCallOptions): MeshCallState {
  const [call, setCall] = useState<MeshCall | null>(null);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const localStream = useRef<MediaStream | null>(null);
  const latestPeers = useRef(peers);
  // Parents rebuild these arrays on every render; only their content matters.
  const peersKey = JSON.stringify(peers.map((p) => [p.userId, p.name]));
  const iceKey = JSON.stringify(iceServers);
  const latestIce = useRef(iceServers);

  useEffect(() => {
    latestPeers.current = peers;
    latestIce.current = iceServers;
  });

  useEffect(() => {
    let cancelled = false;
    let created: MeshCall | null = null;
    void openLocalMedia().then(({ stream, error }) => {
      if (cancelled) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      localStream.current = stream;
      setMediaError(error);
      created = new MeshCall({ selfId, signalling, iceServers: latestIce.current, localStream: stream });
      created.setPeers(latestPeers.current);
      setCall(created);
    });
    return () => {
      cancelled = true;
      created?.close();
      for (const t of localStream.current?.getTracks() ?? []) t.stop();
      localStream.current = null;
      setCall(null);
    };
  }, [selfId, signalling]);

  // A renewed TURN credential must not restart the call: the open connections take the new servers.
  // biome-ignore lint/correctness/useExhaustiveDependencies: iceKey is latestIce's value key: an equal list changes nothing
  useEffect(() => {
    call?.setIceServers(latestIce.current);
  }, [call, iceKey]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: peersKey is latestPeers' value key: an equal list must not reset the call's peers
  useEffect(() => {
    call?.setPeers(latestPeers.current);
  }, [call, peersKey]);

  const subscribe = useCallback((listener: () => void) => (call ? call.subscribe(listener) : noSubscription()), [call]);
  const getSnapshot = useCallback(() => (call ? call.getSnapshot() : null), [call]);
  const snapshot = useSyncExternalStore(subscribe, getSnapshot, noSnapshot);

  const leave = useCallback(() => {
    call?.close();
    for (const t of localStream.current?.getTracks() ?? []) t.stop();
  }, [call]);

  return { call, snapshot, mediaError, leave };
}

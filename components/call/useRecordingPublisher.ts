"use client";

import { useEffect, useRef, useState } from "react";
import { WhipPublisher, type WhipCredential } from "@/lib/rtc/whip-publisher";

export type PublishSource = "camera" | "screen";

export interface RecordingPublisherOptions {
  /** True while the recording captures and this user is in the call. */
  active: boolean;
  /** Which recording; a new one means new sessions. */
  recordingId: string | null;
  stream: MediaStream | null;
  screenStream: MediaStream | null;
  iceServers: RTCIceServer[];
  requestCredential: (source: PublishSource) => Promise<WhipCredential>;
}

export type PublishState = "idle" | "connecting" | "publishing" | "failed";

const RETRY_MS = 3000;

/**
 * Sends this user's camera and microphone (and screen, as its own session) to the recorder over WHIP
 * while the recording runs; ends the sessions on pause, stop or leave. A failed session is retried
 * with a fresh credential, since the recorder finalizes what it got and a rejoin adds new segments.
 */
export function useRecordingPublisher(opts: RecordingPublisherOptions): Record<PublishSource, PublishState> {
  const camera = usePublisher("camera", opts.active, opts.recordingId, opts.stream, opts);
  const screen = usePublisher("screen", opts.active, opts.recordingId, opts.screenStream, opts);
  return { camera, screen };
}

function usePublisher(
  source: PublishSource,
  active: boolean,
  recordingId: string | null,
  stream: MediaStream | null,
  opts: RecordingPublisherOptions,
): PublishState {
  const [state, setState] = useState<PublishState>("idle");
  const [attempt, setAttempt] = useState(0);
  const publisher = useRef<WhipPublisher | null>(null);
  const latest = useRef(opts);
  latest.current = opts;
  const audio = stream?.getAudioTracks()[0] ?? null;
  const video = stream?.getVideoTracks()[0] ?? null;
  const run = active && !!recordingId && !!stream && !!(audio || video);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new recording or a retry starts a new session; track changes do not (below)
  useEffect(() => {
    if (!run) {
      setState("idle");
      return;
    }
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const again = () => {
      if (cancelled) return;
      setState("failed");
      retry = setTimeout(() => setAttempt((n) => n + 1), RETRY_MS);
    };
    setState("connecting");
    (async () => {
      // The credential is fetched while the publisher prepares its offer (WhipPublisher waits for it
      // only to POST); a cancel meanwhile stops the publisher before anything reaches the recorder.
      const credential = latest.current.requestCredential(source);
      const p = new WhipPublisher(credential, { iceServers: latest.current.iceServers, onFailed: again });
      publisher.current = p;
      const tracks = latest.current[source === "camera" ? "stream" : "screenStream"];
      await p.start({ audio: tracks?.getAudioTracks()[0] ?? null, video: tracks?.getVideoTracks()[0] ?? null });
      if (!cancelled) setState("publishing");
    })().catch(() => again());
    return () => {
      cancelled = true;
      clearTimeout(retry);
      void publisher.current?.stop();
      publisher.current = null;
    };
    // A new recording or a new attempt starts a new session; track changes do not (see below).
  }, [run, recordingId, source, attempt]);

  // A device switch swaps the track inside the running session.
  useEffect(() => {
    void publisher.current?.replaceTrack("audio", audio);
    void publisher.current?.replaceTrack("video", video);
  }, [audio, video]);

  return state;
}

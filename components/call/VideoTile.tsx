"use client";

import { useEffect, useRef, useState } from "react";
import type { PeerConnectionState } from "@/lib/rtc/mesh-call";
import styles from "@/components/call/call.module.css";

export interface VideoTileProps {
  name: string;
  stream: MediaStream | null;
  videoEnabled: boolean;
  audioEnabled: boolean;
  /** "local-video", "remote-video" or "screen-video": the test id of the <video> element. */
  testId: string;
  peerId?: string;
  state?: PeerConnectionState;
  isSelf?: boolean;
  isScreen?: boolean;
}

const STATE_LABELS: Record<PeerConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  failed: "Connection failed",
};

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
}

export function VideoTile({ name, stream, videoEnabled, audioEnabled, testId, peerId, state, isSelf, isScreen }: VideoTileProps) {
  const video = useRef<HTMLVideoElement>(null);
  const [needsGesture, setNeedsGesture] = useState(false);
  // A device switch swaps tracks inside the same MediaStream object; re-attaching makes every browser pick it up.
  const trackKey =
    stream
      ?.getTracks()
      .map((t) => t.id)
      .join(",") ?? "";
  const hasVideo = stream?.getVideoTracks().some((t) => t.readyState === "live") ?? false;
  const showVideo = videoEnabled && hasVideo;

  // biome-ignore lint/correctness/useExhaustiveDependencies: re-attach when the stream's track set changes, not only the stream object
  useEffect(() => {
    const element = video.current;
    if (!element) return;
    element.srcObject = null;
    element.srcObject = stream;
    if (!stream) return;
    element.play().then(
      () => setNeedsGesture(false),
      (err: DOMException) => {
        // Autoplay with sound can be refused until the user interacts with the page.
        if (err.name === "NotAllowedError") setNeedsGesture(true);
      },
    );
  }, [stream, trackKey]);

  const videoClass = [showVideo ? styles.video : styles.hiddenVideo, isSelf && !isScreen ? styles.mirrored : ""].join(" ");
  return (
    <figure
      className={isScreen ? styles.screenTile : styles.tile}
      data-testid={isScreen ? "screen-tile" : "tile"}
      data-peer={peerId}
      data-state={state}
      data-video={showVideo ? "on" : "off"}
    >
      <video ref={video} className={videoClass} autoPlay playsInline muted={isSelf || isScreen} data-testid={testId} data-peer={peerId} />
      {!showVideo && (
        <div className={styles.avatar} aria-hidden="true">
          <span className={styles.initials}>{initials(name)}</span>
        </div>
      )}
      <figcaption className={styles.caption}>
        <span className={styles.name}>
          <span data-testid={isScreen ? "screen-name" : "tile-name"}>{name}</span>
          {isScreen ? (
            <span className={styles.you}>{isSelf ? " (your screen)" : "'s screen"}</span>
          ) : (
            isSelf && <span className={styles.you}> (you)</span>
          )}
        </span>
        {!audioEnabled && !isScreen && (
          <span className={styles.mutedMic} data-testid="tile-muted">
            Muted
          </span>
        )}
      </figcaption>
      {state && state !== "connected" && (
        <span className={styles.badge} data-state={state} data-testid="tile-state" role="status">
          {STATE_LABELS[state]}
        </span>
      )}
      {needsGesture && (
        <button
          type="button"
          className={`${styles.control} ${styles.playButton}`}
          onClick={() => void video.current?.play().then(() => setNeedsGesture(false))}
        >
          Play audio
        </button>
      )}
    </figure>
  );
}

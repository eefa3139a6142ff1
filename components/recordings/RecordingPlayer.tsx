"use client";

import { useRef, useState } from "react";
import type { RecordingView } from "@/lib/realtime/views";
import { formatDuration, playbackUrl } from "@/components/recordings/recordings-client";
import { LivePlayer } from "@/components/recordings/LivePlayer";
import { ChapterList, useChapters } from "@/components/recordings/ChapterList";

/** At most one fresh link per this many ms: a movie that really cannot play must not loop. */
const RELINK_EVERY_MS = 30_000;

/**
 * In-page player. The source is our playback route: the browser follows its redirect to a presigned
 * link and seeks with Range requests against object storage directly. The link expires within minutes,
 * so when a later Range request is refused the player asks the route again and resumes where it was.
 */
export function RecordingPlayer({ recording, live, onClose }: { recording: RecordingView; live?: boolean; onClose: () => void }) {
  const lastRelink = useRef(0);
  // State, not a ref: the chapter list follows this element's time once it exists.
  const [video, setVideo] = useState<HTMLVideoElement | null>(null);
  const chaptersUrl = live ? null : recording.chaptersUrl;
  const chapters = useChapters(chaptersUrl);

  const relink = (video: HTMLVideoElement) => {
    if (Date.now() - lastRelink.current < RELINK_EVERY_MS) return;
    lastRelink.current = Date.now();
    const at = video.currentTime;
    const wasPlaying = !video.paused;
    video.addEventListener(
      "loadedmetadata",
      () => {
        video.currentTime = at;
        if (wasPlaying) void video.play().catch(() => {});
      },
      { once: true },
    );
    // Same URL: the redirect is not cached (no-store), so loading again mints a new link.
    video.load();
  };

  return (
    <div className="panel stack" data-testid="recording-player-panel" style={{ padding: 16 }}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <strong>
          {recording.title ?? "Recorded call"} · {live ? "live" : formatDuration(recording.durationMs)}
        </strong>
        <button type="button" className="button secondary" onClick={onClose}>
          Close player
        </button>
      </div>
      {live ? (
        <LivePlayer recordingId={recording.id} />
      ) : (
        <div className="row" style={{ alignItems: "flex-start", flexWrap: "wrap", gap: 16 }}>
          {/* biome-ignore lint/a11y/useMediaCaption: recordings have no caption track yet (no transcript is made); chapters only */}
          <video
            key={recording.id}
            ref={setVideo}
            data-testid="recording-player"
            data-recording-id={recording.id}
            src={playbackUrl(recording.id)}
            poster={recording.posterUrl ?? undefined}
            onError={(e) => relink(e.currentTarget)}
            controls
            autoPlay
            playsInline
            preload="metadata"
            style={{ flex: "3 1 480px", minWidth: 0, width: "100%", maxHeight: "70vh", background: "#000", borderRadius: 6 }}
          >
            {chaptersUrl && <track kind="chapters" src={chaptersUrl} srcLang="en" label="Chapters" default />}
          </video>
          <ChapterList chapters={chapters} video={video} />
        </div>
      )}
    </div>
  );
}

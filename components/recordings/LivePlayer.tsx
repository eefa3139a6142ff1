"use client";

import { useEffect, useRef, useState } from "react";

/** The live playlist of a recording (EVENT while it runs, closed at Stop). */
export const livePlaylistUrl = (recordingId: string) => `/api/recordings/${encodeURIComponent(recordingId)}/live.m3u8`;

/**
 * Plays a recording's live HLS output with hls.js (Safari plays HLS natively). The playlist is reloaded every
 * window, so its short-lived segment links are always fresh. Before the first window exists the server answers
 * 409: the player waits and asks again.
 */
export function LivePlayer({ recordingId }: { recordingId: string }) {
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<"waiting" | "playing" | "ended" | "error">("waiting");
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    let stopped = false;
    let hls: import("hls.js").default | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const start = async () => {
      const { default: Hls } = await import("hls.js");
      if (stopped) return;
      if (!Hls.isSupported()) {
        el.src = livePlaylistUrl(recordingId);
        return;
      }
      hls = new Hls({ liveSyncDurationCount: 1, manifestLoadingMaxRetry: 0 });
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        setState("playing");
        setMessage(null);
        void el.play().catch(() => {});
      });
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (!data.fatal) return;
        const status = data.response?.code;
        hls?.destroy();
        hls = null;
        // No window yet (409): ask again shortly; anything else is shown.
        if (status === 409 && !stopped) {
          setState("waiting");
          retry = setTimeout(() => void start(), 2000);
        } else {
          setState("error");
          setMessage(status ? `the live stream answered ${status}` : data.details);
        }
      });
      hls.loadSource(livePlaylistUrl(recordingId));
      hls.attachMedia(el);
    };
    void start();
    return () => {
      stopped = true;
      clearTimeout(retry);
      hls?.destroy();
    };
  }, [recordingId]);

  return (
    <div className="stack">
      {state === "waiting" && <p className="muted">Waiting for the first seconds of the recording…</p>}
      {message && <p className="error">{message}</p>}
      <video
        ref={video}
        data-testid="live-player"
        data-state={state}
        data-recording-id={recordingId}
        onEnded={() => setState("ended")}
        controls
        muted
        playsInline
        style={{ width: "100%", maxHeight: "70vh", background: "#000", borderRadius: 6 }}
      />
    </div>
  );
}

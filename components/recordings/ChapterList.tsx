"use client";

import { useEffect, useState } from "react";
import type { Chapter } from "@/lib/compositing/chapters";
import { chapterAt, parseWebVttChapters } from "@/lib/compositing/webvtt";

/** The movie's chapters (the same WebVTT file its `<track kind="chapters">` loads); empty while loading or when it has none. */
export function useChapters(url: string | null): Chapter[] {
  const [chapters, setChapters] = useState<Chapter[]>([]);
  useEffect(() => {
    setChapters([]);
    if (!url) return;
    let cancelled = false;
    // A movie made before chapters existed answers 404: it simply has no list.
    fetch(url, { cache: "no-store" })
      .then((res) => (res.ok ? res.text() : ""))
      .then((text) => !cancelled && setChapters(parseWebVttChapters(text)))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [url]);
  return chapters;
}

/** m:ss (h:mm:ss past an hour), rounded down: a chapter at 59.6 s has not begun at 1:00. */
function chapterTime(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * Beside the player: one button per chapter (its start and what happened); pressing one seeks the video there and
 * plays. The chapter being played is marked (aria-current), following the video's time.
 */
export function ChapterList({ chapters, video }: { chapters: Chapter[]; video: HTMLVideoElement | null }) {
  const [current, setCurrent] = useState(-1);
  useEffect(() => {
    if (!video) return;
    const follow = () => setCurrent(chapterAt(chapters, video.currentTime * 1000));
    follow();
    video.addEventListener("timeupdate", follow);
    video.addEventListener("seeked", follow);
    return () => {
      video.removeEventListener("timeupdate", follow);
      video.removeEventListener("seeked", follow);
    };
  }, [video, chapters]);

  if (chapters.length === 0) return null;
  const seek = (c: Chapter) => {
    if (!video) return;
    video.currentTime = c.startMs / 1000;
    void video.play().catch(() => {});
  };
  return (
    <nav
      aria-label="Chapters"
      data-testid="recording-chapters"
      style={{ flex: "1 1 220px", minWidth: 200, maxHeight: "70vh", overflowY: "auto" }}
    >
      <strong style={{ display: "block", marginBottom: 6 }}>Chapters</strong>
      <ol style={{ listStyle: "none", margin: 0, padding: 0, display: "grid", gap: 4 }}>
        {chapters.map((c, i) => (
          <li key={c.startMs}>
            <button
              type="button"
              className="chapter-button"
              aria-current={i === current ? "true" : undefined}
              data-start-ms={c.startMs}
              onClick={() => seek(c)}
            >
              <span className="chapter-time">{chapterTime(c.startMs)}</span>
              <span>{c.title}</span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

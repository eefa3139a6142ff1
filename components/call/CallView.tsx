"use client";

import { useState, type ReactNode } from "react";
import type { CallPeerInfo, SignallingChannel } from "@/lib/rtc/signalling";
import type { WhipCredential } from "@/lib/rtc/whip-publisher";
import type { RecordingIndicator } from "@/lib/realtime/views";
import { DeviceMenu } from "@/components/call/DeviceMenu";
import { RecordingBadge } from "@/components/call/RecordingBadge";
import { useRecordingPublisher, type PublishSource } from "@/components/call/useRecordingPublisher";
import { useMeshCall } from "@/components/call/useMeshCall";
import { VideoTile } from "@/components/call/VideoTile";
import styles from "@/components/call/call.module.css";

export interface CallViewProps {
  selfId: string;
  selfName: string;
  /** The other participants (the local user may be included; it is ignored). */
  peers: CallPeerInfo[];
  signalling: SignallingChannel;
  iceServers: RTCIceServer[];
  onLeave?: () => void;
  extraControls?: ReactNode;
  /** The meeting point's recording: everyone sees it; while it captures, this user's media is published to it. */
  recording?: RecordingIndicator | null;
  requestCredential?: (source: PublishSource) => Promise<WhipCredential>;
}

const noCredential = () => Promise.reject(new Error("recording is not available here"));

const canShareScreen = () => typeof navigator !== "undefined" && typeof navigator.mediaDevices?.getDisplayMedia === "function";

export function CallView(props: CallViewProps) {
  const { selfId, selfName, peers, signalling, iceServers, onLeave, extraControls, recording = null } = props;
  const { call, snapshot, mediaError, leave } = useMeshCall({ selfId, peers, signalling, iceServers });
  const [actionError, setActionError] = useState<string | null>(null);
  const [left, setLeft] = useState(false);
  const publishing = useRecordingPublisher({
    active: !left && recording?.status === "recording" && !!props.requestCredential,
    recordingId: recording?.id ?? null,
    stream: snapshot?.local.stream ?? null,
    screenStream: snapshot?.local.screenStream ?? null,
    iceServers,
    requestCredential: props.requestCredential ?? noCredential,
  });

  const act = (action: () => Promise<void>, failure: string, { cancellable = false } = {}) => {
    setActionError(null);
    action().catch((err: DOMException) => {
      // Closing the browser's screen picker is a choice, not an error.
      if (cancellable && err?.name === "NotAllowedError") return;
      setActionError(`${failure}: ${err?.message || err?.name || "unknown error"}`);
    });
  };

  const local = snapshot?.local;
  const screens = [
    ...(local?.screenStream ? [{ userId: selfId, name: selfName, stream: local.screenStream, isSelf: true }] : []),
    ...(snapshot?.peers ?? []).flatMap((p) =>
      p.screenStream ? [{ userId: p.userId, name: p.name, stream: p.screenStream, isSelf: false }] : [],
    ),
  ];
  const tileCount = 1 + (snapshot?.peers.length ?? 0);

  return (
    <section className={styles.call} aria-label="Video call" data-testid="call-view">
      <RecordingBadge recording={recording} publishing={publishing.camera} />
      {mediaError && <p className={styles.notice}>{mediaError}</p>}
      {actionError && <p className={styles.error}>{actionError}</p>}
      {left ? (
        <p className={styles.notice}>You left the call.</p>
      ) : !snapshot || !local ? (
        <p className={styles.notice}>Starting camera and microphone…</p>
      ) : (
        <>
          {screens.length > 0 && (
            <div className={styles.stage}>
              {screens.map((s) => (
                <VideoTile
                  key={s.userId}
                  name={s.name}
                  stream={s.stream}
                  videoEnabled
                  audioEnabled
                  testId="screen-video"
                  peerId={s.userId}
                  isSelf={s.isSelf}
                  isScreen
                />
              ))}
            </div>
          )}
          <div className={`${styles.grid} ${screens.length > 0 ? styles.strip : ""}`} data-count={tileCount}>
            <VideoTile
              name={selfName}
              stream={local.stream}
              videoEnabled={local.videoEnabled}
              audioEnabled={local.audioEnabled}
              testId="local-video"
              peerId={selfId}
              isSelf
            />
            {snapshot.peers.map((p) => (
              <VideoTile
                key={p.userId}
                name={p.name}
                stream={p.cameraStream}
                videoEnabled={p.videoEnabled}
                audioEnabled={p.audioEnabled}
                testId="remote-video"
                peerId={p.userId}
                state={p.state}
              />
            ))}
          </div>
        </>
      )}
      <div className={styles.controls} role="toolbar" aria-label="Call controls">
        <button
          type="button"
          className={styles.control}
          data-off={local ? !local.audioEnabled : undefined}
          disabled={!call || left}
          onClick={() => call && local && act(() => call.setAudioEnabled(!local.audioEnabled), "Could not turn the microphone on")}
        >
          {local?.audioEnabled ? "Mute" : "Unmute"}
        </button>
        <button
          type="button"
          className={styles.control}
          data-off={local ? !local.videoEnabled : undefined}
          disabled={!call || left}
          onClick={() => call && local && act(() => call.setVideoEnabled(!local.videoEnabled), "Could not turn the camera on")}
        >
          {local?.videoEnabled ? "Stop camera" : "Start camera"}
        </button>
        <button
          type="button"
          className={styles.control}
          disabled={!call || left || !canShareScreen()}
          onClick={() => {
            if (!call) return;
            if (local?.screenStream) call.stopScreenShare();
            else act(() => call.startScreenShare(), "Could not share the screen", { cancellable: true });
          }}
        >
          {local?.screenStream ? "Stop sharing" : "Share screen"}
        </button>
        <DeviceMenu call={left ? null : call} localStream={local?.stream ?? null} onError={setActionError} />
        {extraControls}
        <button
          type="button"
          className={styles.leave}
          disabled={left}
          onClick={() => {
            // Camera and microphone go off at once, whatever the server takes to confirm.
            leave();
            setLeft(true);
            onLeave?.();
          }}
        >
          Leave
        </button>
      </div>
    </section>
  );
}

"use client";

import { useEffect, useId, useState } from "react";
import type { MeshCall } from "@/lib/rtc/mesh-call";
import styles from "@/components/call/call.module.css";

type InputKind = "audioinput" | "videoinput";

export interface DeviceMenuProps {
  call: MeshCall | null;
  localStream: MediaStream | null;
  onError(message: string): void;
}

function currentDeviceId(stream: MediaStream | null, kind: InputKind): string {
  const track = kind === "audioinput" ? stream?.getAudioTracks()[0] : stream?.getVideoTracks()[0];
  return track?.getSettings().deviceId ?? "";
}

export function DeviceMenu({ call, localStream, onError }: DeviceMenuProps) {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const trackKey =
    localStream
      ?.getTracks()
      .map((t) => t.id)
      .join(",") ?? "";

  // biome-ignore lint/correctness/useExhaustiveDependencies: re-list devices when the tracks change (labels appear once permission is granted)
  useEffect(() => {
    const media = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
    if (!media?.enumerateDevices) return;
    let active = true;
    const load = () =>
      media.enumerateDevices().then(
        (list) => active && setDevices(list),
        () => {},
      );
    // Labels only appear once a permission was granted, hence the reload whenever our tracks change.
    void load();
    media.addEventListener("devicechange", load);
    return () => {
      active = false;
      media.removeEventListener("devicechange", load);
    };
  }, [trackKey]);

  const choose = (kind: InputKind, deviceId: string) => {
    if (!call || !deviceId) return;
    call.switchDevice(kind, deviceId).catch((err: Error) => onError(`Could not switch to that device: ${err.message || err.name}`));
  };

  return (
    <>
      <DeviceSelect
        label="Microphone"
        kind="audioinput"
        devices={devices}
        value={currentDeviceId(localStream, "audioinput")}
        disabled={!call}
        onChoose={choose}
      />
      <DeviceSelect
        label="Camera"
        kind="videoinput"
        devices={devices}
        value={currentDeviceId(localStream, "videoinput")}
        disabled={!call}
        onChoose={choose}
      />
    </>
  );
}

interface DeviceSelectProps {
  label: string;
  kind: InputKind;
  devices: MediaDeviceInfo[];
  value: string;
  disabled: boolean;
  onChoose(kind: InputKind, deviceId: string): void;
}

function DeviceSelect({ label, kind, devices, value, disabled, onChoose }: DeviceSelectProps) {
  const id = useId();
  // Windows' "communications" alias duplicates a real device; "default" stays, a track opened without a choice reports it.
  const options = devices.filter((d) => d.kind === kind && d.deviceId && d.deviceId !== "communications");
  const known = options.some((d) => d.deviceId === value);
  return (
    <span className={styles.device}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={known ? value : ""}
        disabled={disabled || options.length === 0}
        onChange={(e) => onChoose(kind, e.target.value)}
      >
        {!known && <option value="">{options.length ? "Choose…" : "None found"}</option>}
        {options.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </span>
  );
}

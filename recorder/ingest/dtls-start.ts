// Starting DTLS without waiting: werift answers as DTLS server, and gets the browser's first ClientHello.
import type { RTCPeerConnection } from "werift";

interface DataEvent {
  subscribe(listener: (data: Buffer) => void): { unSubscribe(): void };
  execute(data: Buffer): void;
}

/** A ClientHello fits one datagram; anything larger is not the first flight. */
const MAX_RECORD_BYTES = 4096;

/**
 * Makes werift the DTLS server and says so in the answer (`a=setup:passive`): as DTLS client werift
 * sleeps 100 ms after ICE connects before its ClientHello (dtls.js `setTimeout(100)`); as server it
 * answers the browser's ClientHello at once. Set on the transports rather than by munging the SDP given
 * to setLocalDescription (werift regenerates a munged answer without its direction). Call right after
 * setLocalDescription: werift's DTLS starts only once ICE connects, which needs the browser to have our
 * answer first. Returns the answer to send.
 */
export function answerAsDtlsServer(pc: RTCPeerConnection, answerSdp: string): string {
  for (const t of pc.dtlsTransports) if (t.state === "new") t.role = "server";
  return answerSdp.replace(/^a=setup:active\s*$/gm, "a=setup:passive");
}

/** RFC 7983: a first byte of 20-63 is DTLS. */
const isDtlsRecord = (data: Buffer) => Buffer.isBuffer(data) && data.length > 0 && data[0] >= 20 && data[0] <= 63;

/**
 * Keeps the DTLS records that arrive before werift's DTLS server exists and hands the newest to it.
 *
 * The browser (DTLS client) sends its ClientHello as soon as its ICE check succeeds; werift creates
 * its DTLS server only once its own ICE agent reports connected, a few ms later, and drops what came
 * before. The handshake then waited for the browser's retransmission, 50 ms later (measured: werift's
 * server handled the first ClientHello 42 ms after it started). werift's server subscribes to the ICE
 * data synchronously when its transport turns "connecting"; the kept record is replayed right after.
 * Only one ClientHello may reach the server: a retransmission that arrives between the state change and
 * the replay already started the handshake, and a second, older copy replayed after it would restart it.
 * So only the newest kept record is replayed, and none once a record got through directly.
 * Uses werift 0.24.4 internals (the ICE connection's `onData` event); without them it does nothing.
 */
export function replayEarlyDtls(pc: RTCPeerConnection): void {
  for (const dtls of pc.dtlsTransports) {
    const connection = (dtls.iceTransport as unknown as { connection?: { onData?: DataEvent } }).connection;
    const onData = connection?.onData;
    if (!onData || typeof onData.subscribe !== "function") continue;
    let newest: Buffer | undefined;
    let phase: "keeping" | "replaying" | "done" = "keeping";
    const keep = onData.subscribe((data) => {
      if (!isDtlsRecord(data)) return;
      if (phase === "keeping" && data.length <= MAX_RECORD_BYTES) newest = data;
      else if (phase === "replaying") newest = undefined; // the server got one directly
    });
    const state = dtls.onStateChange.subscribe((s) => {
      if (phase !== "keeping" || (s !== "connecting" && s !== "closed" && s !== "failed")) return;
      state.unSubscribe();
      if (s !== "connecting") {
        phase = "done";
        keep.unSubscribe();
        return;
      }
      phase = "replaying";
      setImmediate(() => {
        phase = "done";
        keep.unSubscribe();
        const record = newest;
        newest = undefined;
        if (record) onData.execute(record);
      });
    });
  }
}

// A participant's camera and microphone replaced, in the page, by a solid colour and a pure tone: what the
// movie-content check looks for in that participant's tile and in the audio. Chromium's own fake device sends
// the same pattern and beep from every browser, so it cannot tell participants apart.
import type { BrowserContext } from "@playwright/test";
import type { SentMedia } from "@/tests/support/media/movie-content";

/** Runs in the page, before its scripts: getUserMedia answers with a canvas capture and an oscillator. */
function installColourAndTone(media: { rgb: [number, number, number]; toneHz: number; width: number; height: number }) {
  const devices = navigator.mediaDevices;
  if (!devices) return;
  devices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const tracks: MediaStreamTrack[] = [];
    if (constraints?.video) {
      const canvas = document.createElement("canvas");
      canvas.width = media.width;
      canvas.height = media.height;
      const g = canvas.getContext("2d")!;
      let frame = 0;
      // A canvas capture only sends a frame when the canvas was drawn: redraw at the frame rate, with a corner
      // pixel that changes so every frame differs.
      const draw = () => {
        g.fillStyle = `rgb(${media.rgb.join(",")})`;
        g.fillRect(0, 0, canvas.width, canvas.height);
        g.fillStyle = frame++ % 2 ? "#000" : "#fff";
        g.fillRect(0, 0, 2, 2);
      };
      draw();
      setInterval(draw, 40);
      tracks.push(...canvas.captureStream(25).getVideoTracks());
    }
    if (constraints?.audio) {
      const audio = new AudioContext({ sampleRate: 48_000 });
      const tone = audio.createOscillator();
      tone.frequency.value = media.toneHz;
      const level = audio.createGain();
      level.gain.value = 0.25;
      const out = audio.createMediaStreamDestination();
      tone.connect(level).connect(out);
      tone.start();
      void audio.resume();
      tracks.push(...out.stream.getAudioTracks());
    }
    return new MediaStream(tracks);
  };
}

/**
 * Every page of this context sends `media` as its camera (640x480 unless `size` says otherwise: a smaller one
 * leaves more of a shared 2-core machine to the server) and microphone.
 */
export async function sendColourAndTone(context: BrowserContext, media: SentMedia, size: [number, number] = [640, 480]): Promise<void> {
  await context.addInitScript(installColourAndTone, { rgb: media.rgb, toneHz: media.toneHz, width: size[0], height: size[1] });
}

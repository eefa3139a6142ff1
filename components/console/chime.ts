// A short two-note chime synthesized with the Web Audio API (no sound file to ship or cache).
// Browsers keep an AudioContext suspended until the page has had a user gesture, so the context is
// created or resumed on the first click or key press; a chime asked for before that is skipped, not queued
// (it would sound late, whenever the agent next clicks).

let context: AudioContext | null = null;

function audioContext(): AudioContext | null {
  if (context) return context;
  const Ctor = window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctor) return null;
  context = new Ctor();
  return context;
}

/** Call from a user gesture: lets later chimes play. Resolves to whether they can. */
export async function unlockAudio(): Promise<boolean> {
  const ctx = audioContext();
  if (!ctx) return false;
  if (ctx.state !== "running") await ctx.resume().catch(() => {});
  return ctx.state === "running";
}

/** Plays the chime; false when the browser does not allow sound yet. */
export function playChime(): boolean {
  // Only touch Web Audio after a gesture: a context created without one warns in the console and stays silent.
  const ctx = context ?? (navigator.userActivation?.hasBeenActive ? audioContext() : null);
  if (ctx?.state !== "running") return false;
  const start = ctx.currentTime + 0.01;
  for (const [offset, frequency] of [
    [0, 880],
    [0.14, 1318.5],
  ] as const) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    // Quick attack, exponential decay: a soft bell rather than a click-edged beep.
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.45);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.5);
  }
  return true;
}

"use client";

import { useState } from "react";

/** A button's action: busy while it runs, its error's message kept for display. */
export function useBusyAction(): {
  busy: boolean;
  error: string | null;
  setError: (message: string | null) => void;
  act: (work: () => Promise<unknown>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, act };
}

// How the e2e tests launch Chromium: Debian's build where installed (Playwright's browser download is
// unreachable here), otherwise Playwright's own. Flags measured on these machines (platform notes).
import { existsSync } from "node:fs";

export const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

export function chromiumArgs(opts: { fakeDevice?: string; extra?: string[] } = {}): string[] {
  return [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--use-fake-ui-for-media-stream",
    opts.fakeDevice ? `--use-fake-device-for-media-stream=${opts.fakeDevice}` : "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    ...(opts.extra ?? []),
  ];
}

/**
 * Headless Debian Chromium for browser tests (playwright-core cannot download its own browser
 * here; `.ci/run` installs the `chromium` package). The flags keep it off the network: without
 * them it keeps trying, and failing, to reach Google's hosts.
 */
import { type Browser, chromium } from "playwright-core";

/** The browser binary: `HERALD_CHROMIUM_PATH`, checked by scripts/test.mjs before a run. @default "/usr/bin/chromium" */
export const CHROMIUM_PATH = process.env.HERALD_CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

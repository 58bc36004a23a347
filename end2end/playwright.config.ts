import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The app under test is the release binary built by `cargo leptos build --release`, started
// on its own port with a fresh data directory. `./dev e2e` sets APP_BIN and APP_ROOT.
const root = process.env.APP_ROOT ?? path.resolve(__dirname, "..");
const bin = process.env.APP_BIN ?? path.join(root, "target/release/instagram-connect");
const port = Number(process.env.E2E_PORT ?? 3180);
// localhost, not 127.0.0.1: passkeys are bound to a domain name (people.spec.ts).
const baseURL = `http://localhost:${port}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "instagram-connect-e2e-"));

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    colorScheme: "light",
    trace: "retain-on-failure",
    launchOptions: {
      // A system Chromium: this machine cannot download Playwright's own browser.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `"${bin}" serve`,
    cwd: root,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      APP_ENV: "test",
      LISTEN_ADDR: `127.0.0.1:${port}`,
      PUBLIC_BASE_URL: baseURL,
      DATA_DIR: dataDir,
      LEPTOS_SITE_ROOT: path.join(root, "target/site"),
      LEPTOS_SITE_PKG_DIR: "pkg",
      SANDBOX_LISTEN_ADDR: `127.0.0.1:${port + 1}`,
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      // The owner of sandbox.studio (by its Instagram user ID) is the admin (tokens.spec.ts); the tests refresh tokens
      // themselves, so the scheduler stays off.
      ADMIN_INSTAGRAM_USERS: "17841400000000002",
      REFRESH_SCHEDULER: "off",
      // Every test connects from this one address; the per-address limit is for people.
      CONNECT_STARTS_PER_MINUTE: "1000",
      // notifications.spec.ts runs a mail server here while it needs one.
      SMTP_URL: `smtp://127.0.0.1:${port + 2}`,
      SMTP_FROM: "Instagram Connect <notices@example.test>",
      NOTIFY_POLL_MS: "200",
    },
  },
});

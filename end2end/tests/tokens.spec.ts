import { type Browser, type Page } from "@playwright/test";
import { connectAccount, expect, hydrated, sandboxURL, test } from "./fixtures";

// The admin console. The app under test shares its clock with its embedded sandbox, so moving
// the sandbox's clock ages every token; the file runs last because of that.

/** A sandbox account of the test's own, connected in a browser context of its own. */
async function connectedAccount(browser: Browser, username: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const made = await page.request.post(`${sandboxURL}/__sandbox/accounts`, { data: { username } });
  expect(made.status()).toBe(201);
  await connectAccount(page, username, { returnTo: "/accounts" });
  await expect(page).toHaveURL(/\/accounts$/);
  await context.close();
}

async function advanceDays(page: Page, days: number) {
  const moved = await page.request.post(`${sandboxURL}/__sandbox/clock`, {
    data: { advance_secs: days * 86_400 },
  });
  expect(moved.ok()).toBeTruthy();
}

/** Signs in as the admin (the owner of sandbox.studio). */
async function signInAsAdmin(page: Page) {
  await connectAccount(page, "sandbox.studio", { returnTo: "/accounts" });
  await expect(page).toHaveURL(/\/accounts$/);
  await page.getByTestId("admin-link").click();
  await expect(page).toHaveURL(/\/admin$/);
  await hydrated(page);
}

const row = (page: Page, username: string) => page.locator(`tr[data-username="${username}"]`);

test("someone who is not an admin is refused the console and its actions", async ({ page }) => {
  await connectAccount(page, "sandbox.bakery", { returnTo: "/accounts" });
  await expect(page).toHaveURL(/\/accounts$/);
  await expect(page.getByTestId("admin-link")).toHaveCount(0);
  const res = await page.goto("/admin");
  expect(res?.status()).toBe(403);
  await expect(page.getByTestId("admin-refused")).toContainText("Admins only");
  const action = await page.request.post("/api/admin/refresh-all", {
    form: { days: "30" },
    headers: { accept: "application/json" },
  });
  expect(action.status()).toBe(403);
});

test("an admin refreshes a token and sees its new expiry", async ({ page, browser }) => {
  await connectedAccount(browser, "e2e.aging");
  await advanceDays(page, 45);
  await signInAsAdmin(page);

  const aging = row(page, "e2e.aging");
  await expect(aging.getByTestId("token-state")).toHaveText("Expiring");
  await expect(aging.getByTestId("expires")).toContainText("15 days left");
  await expect(page.getByTestId("expiry-timeline")).toContainText("within the 30-day refresh window");

  await aging.getByTestId("admin-refresh").click();
  await expect(page.getByTestId("notice")).toContainText("@e2e.aging was refreshed");
  await expect(row(page, "e2e.aging").getByTestId("token-state")).toHaveText("Active");
  await expect(row(page, "e2e.aging").getByTestId("expires")).toContainText(/(59|60) days left/);
});

test("refresh all shows its progress until every expiring token is renewed", async ({ page, browser }) => {
  for (const name of ["e2e.batch.one", "e2e.batch.two", "e2e.batch.three"]) {
    await connectedAccount(browser, name);
  }
  await advanceDays(page, 50);
  // Instagram takes its time, so the progress can be seen.
  const slow = await page.request.post(`${sandboxURL}/__sandbox/faults`, {
    data: { endpoint: "ig_refresh_token", fault: { kind: "delay", ms: 700 } },
  });
  expect(slow.ok()).toBeTruthy();
  try {
    await signInAsAdmin(page);
    await page.getByTestId("refresh-all-days").fill("30");
    await page.getByTestId("refresh-all").click();
    const progress = page.getByTestId("batch-progress");
    await expect(progress).toHaveAttribute("data-running", "true");
    await expect(progress.locator("progress")).toBeVisible();
    // The panel updates itself (no reload) until the batch is done.
    await expect(progress).toHaveAttribute("data-running", "false", { timeout: 20_000 });
    await expect(page.getByTestId("batch-counts")).toContainText(/(\d+) of \1 done: \1 refreshed, 0 failed/);
    await page.reload();
    for (const name of ["e2e.batch.one", "e2e.batch.two", "e2e.batch.three"]) {
      await expect(row(page, name).getByTestId("token-state")).toHaveText("Active");
    }
  } finally {
    await page.request.delete(`${sandboxURL}/__sandbox/faults`);
  }
});

test("a webhook sent by the sandbox appears live in the log", async ({ page }) => {
  await signInAsAdmin(page);
  const log = page.getByTestId("webhook-log");
  const before = await log.getByTestId("webhook-row").count();
  const sent = await page.request.post(`${sandboxURL}/__sandbox/webhooks/send`, {
    data: {
      url: `${new URL(page.url()).origin}/integrations/instagram/webhook`,
      events: [{ type: "mention", account: "sandbox.studio" }],
    },
  });
  expect(sent.ok()).toBeTruthy();
  // No reload: the row arrives over Server-Sent Events.
  await expect(log.getByTestId("webhook-row")).toHaveCount(before + 1);
  await expect(log.getByTestId("webhook-row").first()).toContainText("mentions");
});

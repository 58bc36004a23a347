import { test as base, expect, type Page } from "@playwright/test";

/**
 * Every test fails when the page logs a console error or throws: hydration mismatches and
 * missing assets show up there first.
 */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: { text: string; url: string }[] = [];
      // A page the test navigates to on purpose may answer 401, 403 or 404; Chromium logs
      // that as a console error about the document itself. Any other failed resource counts.
      const refusedDocuments = new Set<string>();
      page.on("response", (res) => {
        if ([401, 403, 404].includes(res.status()) && res.request().isNavigationRequest()) {
          refusedDocuments.add(res.url());
        }
      });
      page.on("console", (msg) => {
        if (msg.type() === "error") {
          errors.push({ text: `console: ${msg.text()}`, url: msg.location().url });
        }
      });
      page.on("pageerror", (err) => errors.push({ text: `pageerror: ${err.message}`, url: "" }));
      const reported: string[] = [];
      await use(reported);
      for (const e of errors) {
        const expected = /status of 40[134]/.test(e.text) && refusedDocuments.has(e.url);
        if (!expected) reported.push(e.url ? `${e.text} (${e.url})` : e.text);
      }
      expect(reported, "the browser reported errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the WASM bundle has hydrated the page. */
export async function hydrated(page: Page): Promise<void> {
  // The theme switch learns the shown theme only in the browser, after hydration.
  await expect(page.getByTestId("theme-toggle")).toHaveAttribute(
    "aria-label",
    /Switch to the (dark|light) theme/,
  );
}

/** The Instagram sandbox the app under test talks to (see playwright.config.ts). */
export const sandboxURL = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 3180) + 1}`;

/**
 * Connects `account` from the connect page through the sandbox's sign-in page (optionally
 * coming back to `returnTo`); returns a function giving the callback URL that was visited.
 */
export async function connectAccount(
  page: Page,
  account: string,
  options: { decision?: "Allow" | "Deny"; returnTo?: string } = {},
): Promise<() => string> {
  let callback = "";
  page.on("request", (req) => {
    if (req.url().includes("/auth/instagram/callback?")) callback = req.url();
  });
  await page.goto(options.returnTo ? `/connect?return_to=${options.returnTo}` : "/connect");
  await expect(page.getByTestId("sandbox-note")).toBeVisible();
  await page.getByTestId("continue").click();
  await expect(page).toHaveURL(/\/oauth\/authorize\?/);
  await expect(page.getByText("Instagram sandbox")).toBeVisible();
  await page.getByRole("radio", { name: new RegExp(account.replace(".", "\\.")) }).check();
  await page.getByRole("button", { name: options.decision ?? "Allow" }).click();
  return () => callback;
}

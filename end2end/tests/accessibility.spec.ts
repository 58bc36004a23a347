import AxeBuilder from "@axe-core/playwright";
import { type Page } from "@playwright/test";
import { connectAccount, expect, hydrated, test } from "./fixtures";

// Every page, in the light and the dark theme, checked by axe-core against WCAG 2.1 A and AA.

const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

// Each page is loaded and analysed twice: more than the default 30 seconds for a whole tour.
test.describe.configure({ timeout: 120_000 });

/** The violations on the page as shown, one line each (rule, impact, the first elements). */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    // WCAG 2.5.3 (a visible label is part of the accessible name): axe marks it experimental
    // and leaves it out unless asked. (`options` replaces what `withTags` sets: it comes first.)
    .options({ rules: { "label-content-name-mismatch": { enabled: true } } })
    .withTags(WCAG_21_AA)
    .analyze();
  const ran = [...results.passes, ...results.violations, ...results.incomplete, ...results.inapplicable];
  expect(ran.map((r) => r.id), "the 2.5.3 rule ran").toContain("label-content-name-mismatch");
  return results.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(" "))
        .join(", ")}`,
  );
}

/** Checks `path` in both themes. */
async function check(page: Page, path: string, found: string[]) {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(path);
    await hydrated(page);
    // A page whose title comes with its data has it once that data is shown.
    await expect(page).toHaveTitle(/\S/);
    found.push(...(await violations(page)).map((v) => `${path} [${scheme}] ${v}`));
  }
}

test("signed-out pages meet WCAG 2.1 AA in both themes", async ({ page }) => {
  const found: string[] = [];
  for (const path of ["/", "/connect", "/sign-in", "/developers", "/privacy/deletion?code=unknown", "/no/such/page"]) {
    await check(page, path, found);
  }
  expect(found).toEqual([]);
});

test("signed-in pages meet WCAG 2.1 AA in both themes", async ({ page }) => {
  await connectAccount(page, "sandbox.studio");
  await expect(page).toHaveURL(/\/media$/);
  const post = await page.locator('li[data-kind="carousel"] a').first().getAttribute("href");
  expect(post).toBeTruthy();
  const account = (post as string).split("/")[2];
  const found: string[] = [];
  for (const path of [
    "/media",
    post as string,
    `/media/${account}/insights`,
    `/media/${account}/publish`,
    "/accounts",
    "/sharing",
    "/admin",
  ]) {
    await check(page, path, found);
  }
  expect(found).toEqual([]);
});

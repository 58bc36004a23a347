import { test, expect, connectAccount } from "./fixtures";
import type { Page } from "@playwright/test";

/**
 * Signed in with the bakery (Instagram Login), connects through Facebook: the button, the
 * sandbox's Facebook dialog with the studio's Page left out (its owner is the admin of
 * tokens.spec.ts), then the app's Page picker.
 */
async function connectThroughFacebook(page: Page): Promise<void> {
  await connectAccount(page, "sandbox.bakery");
  await expect(page).toHaveURL(/\/media$/);
  await page.goto("/accounts");
  await page.getByTestId("connect-facebook").click();
  await expect(page).toHaveURL(/\/connect\/facebook$/);
  await page.getByTestId("continue-facebook").click();
  await expect(page).toHaveURL(/\/dialog\/oauth\?/);
  await expect(page.getByRole("heading", { name: "Log in with Facebook" })).toBeVisible();
  await page.getByRole("checkbox", { name: /@sandbox\.studio/ }).uncheck();
  await page.getByRole("button", { name: "Continue" }).click();
  // Facebook adds `#_=_` to its redirect, and the browser keeps it through the app's.
  await expect(page).toHaveURL(/\/connect\/facebook(#_=_)?$/);
}

test("the Facebook button and Page picker: one account, two connections", async ({ page }) => {
  await connectThroughFacebook(page);
  const picker = page.getByTestId("page-picker");
  await expect(picker.getByTestId("page-option")).toHaveCount(3);
  // The bakery is the person's already (other tests may have added more).
  expect(await picker.getByTestId("already-here").count()).toBeGreaterThanOrEqual(1);
  await expect(picker).toContainText("No Instagram account is linked to this Page");
  await expect(picker.getByRole("checkbox", { disabled: true })).toHaveCount(1);
  await picker.getByTestId("connect-chosen").click();

  await expect(page).toHaveURL(/\/accounts$/);
  await expect(page.getByText("Connected through Facebook: @sandbox.bakery, @sandbox.newshop.")).toBeVisible();
  const bakery = page.getByTestId("account-card").filter({ hasText: "@sandbox.bakery" });
  await expect(bakery).toHaveCount(1);
  await expect(bakery.locator('[data-kind="instagram"]')).toHaveCount(1);
  await expect(bakery.locator('[data-kind="facebook"]')).toContainText("Facebook Login, through the Page");
  const shop = page.getByTestId("account-card").filter({ hasText: "@sandbox.newshop" });
  await expect(shop).toHaveCount(1);
  await expect(shop.locator('[data-kind="facebook"]')).toHaveCount(1);
});

test("hashtag search shows its grid and the week's hashtags", async ({ page }) => {
  await connectThroughFacebook(page);
  await page.getByTestId("connect-chosen").click();
  await expect(page).toHaveURL(/\/accounts$/);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "@sandbox.bakery" }).click();
  await expect(page).toHaveURL(/\/media\?account=/);
  await page.getByRole("link", { name: "Hashtags" }).click();
  await expect(page).toHaveURL(/\/hashtags$/);
  await expect(page.getByTestId("hashtag-budget")).toContainText(/of 30 different hashtags/);
  await page.getByRole("searchbox", { name: "Hashtag" }).fill("#Sourdough");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/hashtags\?q=%23Sourdough/);
  await expect(page.getByTestId("post-grid").getByTestId("found-post").first()).toBeVisible();
  const budget = (await page.getByTestId("hashtag-budget").textContent()) ?? "";
  await expect(page.getByTestId("searched-tag").filter({ hasText: "#sourdough" })).toHaveCount(1);
  // Recent posts of the same hashtag: the week's count does not move.
  await page.getByRole("link", { name: "Recent" }).click();
  await expect(page).toHaveURL(/recent=1/);
  await expect(page.getByTestId("hashtag-budget")).toHaveText(budget);
});

test("business discovery of a sandbox account", async ({ page }) => {
  await connectThroughFacebook(page);
  await page.getByTestId("connect-chosen").click();
  await expect(page).toHaveURL(/\/accounts$/);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "@sandbox.bakery" }).click();
  await expect(page).toHaveURL(/\/media\?account=/);
  await page.getByRole("link", { name: "Discover" }).click();
  await expect(page).toHaveURL(/\/discover$/);
  await page.getByRole("searchbox", { name: "Username" }).fill("@sandbox.studio");
  await page.getByRole("button", { name: "Look up" }).click();
  const found = page.getByTestId("discovered");
  await expect(found).toContainText("@sandbox.studio");
  await expect(found).toContainText("followers");
  await expect(page.getByTestId("found-post").first()).toBeVisible();
});

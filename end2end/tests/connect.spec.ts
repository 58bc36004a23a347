import { test, expect, connectAccount } from "./fixtures";
import type { Page } from "@playwright/test";

/** From the connect page through the sandbox's sign-in page; returns the callback URL. */
function connect(page: Page, account: string, decision: "Allow" | "Deny" = "Allow") {
  return connectAccount(page, account, { decision });
}

test("connecting an account lands on its media, with the code gone", async ({ page }) => {
  const callback = await connect(page, "sandbox.bakery");
  await expect(page).toHaveURL(/\/media$/);
  await expect(page.getByTestId("profile")).toContainText("@sandbox.bakery");
  await page.goto("/accounts");
  const card = page.getByTestId("account-card").filter({ hasText: "@sandbox.bakery" });
  await expect(card).toBeVisible();
  await expect(card.getByTestId("account-status")).toHaveText("Connected");
  await expect(card).toContainText("renews automatically");
  expect(callback()).toContain("code=");
  expect(page.url()).not.toContain("code=");
  // The callback is not in the history with its code either.
  await page.goBack();
  await page.goBack();
  expect(page.url()).not.toContain("code=");
});

test("denying on Instagram is explained, not an error page", async ({ page }) => {
  await connect(page, "sandbox.bakery", "Deny");
  await expect(page).toHaveURL(/\/auth\/instagram\/callback\?error=access_denied/);
  await expect(page.getByTestId("connect-error")).toContainText("Connection cancelled");
  await expect(page.getByRole("link", { name: "Connect Instagram" }).last()).toBeVisible();
});

test("replaying the callback URL is refused", async ({ page }) => {
  const callback = await connect(page, "sandbox.studio");
  await expect(page).toHaveURL(/\/media$/);
  const used = callback();
  expect(used).toContain("state=");
  await page.goto(used);
  await expect(page.getByTestId("connect-error")).toContainText("This sign-in link can't be used");
});

test("connecting the same account again signs in the same person, without duplicates", async ({ browser }) => {
  const first = await browser.newContext();
  const p1 = await first.newPage();
  await connect(p1, "sandbox.bakery");
  await expect(p1).toHaveURL(/\/media$/);
  await p1.goto("/accounts");
  const welcome = await p1.getByTestId("welcome").textContent();
  await first.close();

  const second = await browser.newContext();
  const p2 = await second.newPage();
  await connect(p2, "sandbox.bakery");
  await expect(p2).toHaveURL(/\/media$/);
  await p2.goto("/accounts");
  await expect(p2.getByTestId("welcome")).toHaveText(welcome ?? "");
  await expect(p2.getByTestId("account-card").filter({ hasText: "@sandbox.bakery" })).toHaveCount(1);

  // A second account joins the signed-in person.
  await connect(p2, "sandbox.newshop");
  await expect(p2).toHaveURL(/\/media$/);
  await p2.goto("/accounts");
  await expect(p2.getByTestId("account-card").filter({ hasText: "@sandbox.newshop" })).toHaveCount(1);
  await expect(p2.getByTestId("account-card").filter({ hasText: "@sandbox.bakery" })).toHaveCount(1);

  // Signing out ends the session.
  await p2.getByTestId("nav-sign-out").click();
  await expect(p2).toHaveURL(/\/$/);
  await p2.goto("/media");
  await expect(p2.getByTestId("not-connected")).toBeVisible();
  await second.close();
});

test("a fresh account's access cannot be refreshed yet, and says why", async ({ page }) => {
  await connect(page, "sandbox.bakery");
  await expect(page).toHaveURL(/\/media$/);
  await page.goto("/accounts");
  const card = page.getByTestId("account-card").filter({ hasText: "@sandbox.bakery" });
  await card.getByTestId("refresh").click();
  await expect(page).toHaveURL(/\/accounts$/);
  await expect(page.getByTestId("notice")).toContainText("a day old");
});

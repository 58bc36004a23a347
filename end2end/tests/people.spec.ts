import { type BrowserContext, type Page } from "@playwright/test";
import { connectAccount, expect, hydrated, sandboxURL, test } from "./fixtures";

// People, sharing and passkeys. Passkeys need a domain name, so the app under test is
// addressed as localhost (see playwright.config.ts).

/** A sandbox account of the test's own, connected (signed out) in `page`'s browser. */
async function connectNew(page: Page, username: string, returnTo = "/accounts") {
  const made = await page.request.post(`${sandboxURL}/__sandbox/accounts`, { data: { username } });
  expect(made.status()).toBe(201);
  await connectAccount(page, username, { returnTo });
  await expect(page).toHaveURL(new RegExp(`${returnTo}$`));
}

/** A virtual platform authenticator (like a laptop's fingerprint reader) for `page`. */
async function virtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
}

test("an invitation shares an account with its role's controls only", async ({ page, browser }) => {
  // The owner shares the bakery, as a viewer, with a link.
  await connectAccount(page, "sandbox.bakery");
  await expect(page).toHaveURL(/\/media$/);
  const post = await page.locator('li[data-kind="image"] a').first().getAttribute("href");
  expect(post).toBeTruthy();
  const mediaId = (post as string).split("/").pop();
  const made = await page.request.post(`${sandboxURL}/__sandbox/simulate/comment`, {
    data: { account: "sandbox.bakery", media_id: mediaId, text: "Is the rye bread vegan?" },
  });
  expect(made.ok()).toBeTruthy();
  await page.goto(post as string);
  const ownComment = page.getByTestId("comment").filter({ hasText: "Is the rye bread vegan?" });
  await expect(ownComment.getByTestId("delete")).toHaveCount(1);

  await page.goto("/sharing");
  const box = page.getByRole("checkbox", { name: "@sandbox.bakery" });
  await box.check();
  const account = await box.getAttribute("value");
  expect(account).toBeTruthy();
  await page.getByTestId("invite-role").selectOption("viewer");
  await page.getByTestId("create-invitation").click();
  const link = await page.getByTestId("invitation-link").inputValue();
  expect(link).toMatch(/\/invite\?t=/);
  await expect(page.getByTestId("invitation").first()).toHaveAttribute("data-state", "open");

  // Someone else, in a browser of their own, accepts it.
  const guestContext = await browser.newContext();
  try {
    const guest = await guestContext.newPage();
    await connectNew(guest, "e2e.guest");
    await guest.goto(link);
    await expect(guest).toHaveURL(/\/invite$/);
    await expect(guest.getByTestId("offered-role")).toContainText("As viewer");
    await guest.getByTestId("accept-invitation").click();
    await expect(guest).not.toHaveURL(/\/invite$/);
    await guest.goto("/accounts");
    const card = guest.getByTestId("account-card").filter({ hasText: "@sandbox.bakery" });
    await expect(card).toHaveAttribute("data-role", "viewer");
    await expect(card).toContainText("you are its viewer");
    await expect(card.getByTestId("disconnect")).toHaveCount(0);
    await expect(card.getByTestId("refresh")).toHaveCount(0);

    // The shared gallery and post: media and comments, no publishing or moderation.
    await guest.goto(`/media?account=${account}`);
    await hydrated(guest);
    await expect(guest.getByTestId("profile")).toContainText("@sandbox.bakery");
    await expect(guest.getByRole("link", { name: "Insights" })).toBeVisible();
    await expect(guest.getByRole("link", { name: "Publish" })).toHaveCount(0);
    await guest.goto(post as string);
    const comment = guest.getByTestId("comment").filter({ hasText: "Is the rye bread vegan?" });
    await expect(comment).toBeVisible();
    await expect(comment.getByTestId("delete")).toHaveCount(0);
    await expect(comment.getByTestId("hide")).toHaveCount(0);
    await expect(comment.getByTestId("reply-toggle")).toHaveCount(0);
    const publish = await guest.goto(`/media/${account}/publish`);
    expect(publish?.status()).toBe(403);

    // The link worked once.
    const third = await browser.newContext();
    const other = await third.newPage();
    await other.goto(link);
    await expect(other.getByTestId("invitation-closed")).toHaveAttribute("data-state", "used");
    await third.close();
  } finally {
    await guestContext.close();
  }

  // The owner sees the new member.
  await page.goto("/sharing");
  const members = page.locator('[data-testid="members"][data-username="sandbox.bakery"]');
  await expect(members.locator('[data-testid="member"][data-role="viewer"]')).toContainText("e2e.guest");
});

test("a passkey added on the accounts page signs its person in after signing out", async ({ page, context }) => {
  const credentials = await virtualAuthenticator(context, page);
  await connectNew(page, "e2e.keyholder");
  const welcome = await page.getByTestId("welcome").textContent();
  await hydrated(page);
  await page.getByTestId("add-passkey").getByRole("textbox").fill("Laptop");
  await page.getByTestId("add-passkey-button").click();
  await expect(page.getByTestId("notice")).toContainText("Passkey “Laptop” added");
  await expect(page.locator('[data-testid="method"][data-kind="passkey"]')).toContainText("Laptop");
  expect(await credentials()).toHaveLength(1);

  await page.getByTestId("nav-sign-out").click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("sign-in-link")).toBeVisible();

  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByTestId("passkey-sign-in-button").click();
  await expect(page.getByTestId("signed-in-as")).toContainText("signed in with the passkey “Laptop”");
  await page.goto("/accounts");
  await expect(page.getByTestId("welcome")).toHaveText(welcome ?? "");
  await expect(page.getByTestId("account-card").filter({ hasText: "@e2e.keyholder" })).toHaveCount(1);
});

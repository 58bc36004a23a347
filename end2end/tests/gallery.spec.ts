import { test, expect, hydrated, connectAccount, sandboxURL } from "./fixtures";
import type { Page } from "@playwright/test";

/** Connects `account` and lands on its gallery, hydrated. */
async function openGallery(page: Page, account = "sandbox.bakery") {
  await connectAccount(page, account);
  await expect(page).toHaveURL(/\/media$/);
  await hydrated(page);
}

/** The address of the gallery's first tile of a kind. */
async function firstOfKind(page: Page, kind: "image" | "video" | "carousel") {
  const href = await page.locator(`li[data-kind="${kind}"] a`).first().getAttribute("href");
  expect(href).toBeTruthy();
  return href as string;
}

test("the gallery scrolls through more than one page", async ({ page }) => {
  await openGallery(page);
  await expect(page.getByTestId("profile")).toContainText("1,204 followers");
  const tiles = page.getByTestId("tile");
  await expect(tiles).toHaveCount(24);
  // Scrolling to the end loads the next page on its own: no click.
  await page.getByTestId("load-more-button").scrollIntoViewIfNeeded();
  await expect.poll(() => tiles.count()).toBeGreaterThan(24);
  await expect(page.getByTestId("feed-end")).toBeVisible();
  expect(page.url()).toMatch(/\/media$/);
  // Every tile is a link with a text alternative, reachable from the keyboard.
  await expect(page.locator("li.media-tile img:not([alt])")).toHaveCount(0);
  await tiles.nth(30).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/media\/[^/]+\/posts\/\d+$/);
  await expect(page.getByTestId("post")).toBeVisible();
});

test("a carousel's detail view moves between its items", async ({ page }) => {
  await openGallery(page);
  await page.goto(await firstOfKind(page, "carousel"));
  await hydrated(page);
  const position = page.getByTestId("carousel-position");
  await expect(position).toHaveText("1 / 3");
  await expect(page.getByTestId("carousel-prev")).toBeDisabled();
  await page.getByTestId("carousel-next").click();
  await expect(position).toHaveText("2 / 3");
  await page.locator("[data-track]").focus();
  await page.keyboard.press("ArrowRight");
  await expect(position).toHaveText("3 / 3");
  await expect(page.getByTestId("carousel-next")).toBeDisabled();
  await expect(page.getByTestId("slide")).toHaveCount(3);
  await expect(page.getByTestId("media-insights")).toContainText("Accounts reached");
});

test("a video plays", async ({ page }) => {
  await openGallery(page);
  await page.goto(await firstOfKind(page, "video"));
  const video = page.getByTestId("video");
  await expect(video).toHaveAttribute("poster", /\/cdn\/t\//);
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(0.2);
});

test("the owner replies to a comment and hides it, in place", async ({ page }) => {
  await openGallery(page);
  const post = await firstOfKind(page, "image");
  const mediaId = post.split("/").pop();
  const made = await page.request.post(`${sandboxURL}/__sandbox/simulate/comment`, {
    data: { account: "sandbox.bakery", media_id: mediaId, text: "Do you deliver on Sundays?" },
  });
  expect(made.ok()).toBeTruthy();
  await page.goto(post);
  await hydrated(page);
  // The page is not reloaded by the actions below.
  await page.evaluate(() => ((window as unknown as { stay: boolean }).stay = true));
  const comment = page.getByTestId("comment").filter({ hasText: "Do you deliver on Sundays?" });
  await comment.getByTestId("reply-toggle").click();
  await comment.getByTestId("reply-text").fill("We do, from 8 to noon!");
  await comment.getByTestId("reply-send").click();
  await expect(page.getByTestId("comment-notice")).toHaveText("Reply posted.");
  const thread = page.getByTestId("comment").filter({ hasText: "Do you deliver on Sundays?" });
  await expect(thread).toContainText("We do, from 8 to noon!");

  await thread.getByTestId("hide").first().click();
  await expect(page.getByTestId("comment-notice")).toContainText("Comment hidden");
  const hidden = page.getByTestId("comment").filter({ hasText: "Do you deliver on Sundays?" }).first();
  await expect(hidden).toHaveAttribute("data-hidden", "true");
  await expect(hidden.getByTestId("hide").first()).toHaveText("Unhide");
  expect(await page.evaluate(() => (window as unknown as { stay?: boolean }).stay)).toBe(true);
  expect(page.url()).toContain(post);
});

/** Publishes one photo with a double click and waits until it is out; returns the caption. */
async function publishTwiceClicked(page: Page, caption: string) {
  await page.getByTestId("publish-urls").fill("https://example.com/loaf.jpg");
  await page.getByTestId("publish-caption").fill(caption);
  await page.getByTestId("publish-submit").dblclick();
  await expect(page.getByTestId("job").first()).toHaveAttribute("data-status", "published", {
    timeout: 20_000,
  });
}

test("a publish completes exactly once even when the button is clicked twice", async ({ page, browser }) => {
  test.setTimeout(90_000);
  // An account of its own: the suite's other tests spend the demo accounts' request budget.
  await newAccount(page, "e2e.publisher");
  await openGallery(page, "e2e.publisher");
  await page.getByRole("link", { name: "Publish", exact: true }).click();
  await expect(page).toHaveURL(/\/publish$/);
  const publishPage = page.url();
  await hydrated(page);
  await expect(page.getByTestId("quota")).toContainText("posts left");
  const caption = `Sourdough, baked at ${Date.now()}`;
  await publishTwiceClicked(page, caption);
  await expect(page.getByTestId("job-status").first()).toHaveText("Published");
  await page.getByTestId("job-post").first().click();
  await expect(page.getByTestId("caption")).toHaveText(caption);
  await page.goto("/media");
  await expect(page.getByAltText(caption)).toHaveCount(1);

  // Without JavaScript, a double click sends the form twice: still one post.
  const plain = await browser.newContext({
    storageState: await page.context().storageState(),
    javaScriptEnabled: false,
  });
  const noJs = await plain.newPage();
  await noJs.goto(publishPage);
  const second = `Rye loaf, baked at ${Date.now()}`;
  await noJs.getByTestId("publish-urls").fill("https://example.com/rye.jpg");
  await noJs.getByTestId("publish-caption").fill(second);
  await noJs.getByTestId("publish-submit").dblclick();
  await expect(noJs).toHaveURL(/\/publish$/);
  // The page reloads itself while the post is on its way.
  await expect(noJs.getByTestId("job").first()).toHaveAttribute("data-status", "published", {
    timeout: 20_000,
  });
  await noJs.goto("/media");
  await expect(noJs.getByAltText(second)).toHaveCount(1);
  await plain.close();
});

/** A sandbox account of the test's own, so no other test's cached data is in the way. */
async function newAccount(page: Page, username: string, media = 6) {
  const made = await page.request.post(`${sandboxURL}/__sandbox/accounts`, {
    data: { username, media },
  });
  expect(made.status()).toBe(201);
}

test("the reconnect banner appears when Instagram revokes the token", async ({ page }) => {
  await newAccount(page, "e2e.revoked");
  await connectAccount(page, "e2e.revoked", { returnTo: "/accounts" });
  await expect(page).toHaveURL(/\/accounts$/);
  const revoked = await page.request.post(`${sandboxURL}/__sandbox/tokens/revoke`, {
    data: { account: "e2e.revoked", subcode: 460 },
  });
  expect(revoked.ok()).toBeTruthy();
  await page.goto("/media");
  const banner = page.getByTestId("reconnect-banner");
  await expect(banner).toContainText("Reconnect @e2e.revoked");
  await expect(banner).toContainText("password was changed");
  await banner.getByTestId("reconnect-button").click();
  await expect(page).toHaveURL(/\/connect/);
});

test("the rate-limited state says what happens and when it clears", async ({ page }) => {
  await newAccount(page, "e2e.limited");
  await connectAccount(page, "e2e.limited", { returnTo: "/accounts" });
  await expect(page).toHaveURL(/\/accounts$/);
  const fault = await page.request.post(`${sandboxURL}/__sandbox/faults`, {
    data: {
      endpoint: "me",
      account: "e2e.limited",
      fault: { kind: "too_many_requests", retry_after_secs: 1800 },
      times: 1,
    },
  });
  expect(fault.ok()).toBeTruthy();
  await page.goto("/media");
  const notice = page.getByTestId("rate-limited");
  await expect(notice).toContainText("Instagram asked us to slow down");
  await expect(notice).toContainText("in 30 minutes");
  await expect(page.getByTestId("profile")).toContainText("@e2e.limited");
});

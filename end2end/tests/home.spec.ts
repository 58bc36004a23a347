import { test, expect, hydrated } from "./fixtures";

test("the home page renders on the server and hydrates", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle("instagram-connect");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "Your Instagram, connected and always on.",
  );
  await expect(page.getByTestId("connect-cta")).toHaveAttribute("href", "/connect");
  await hydrated(page);
});

test("the theme switch works only after hydration and is remembered", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  const toggle = page.getByTestId("theme-toggle");
  await expect(toggle).toHaveAttribute("aria-label", "Switch to the dark theme");

  await toggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(toggle).toHaveAttribute("aria-pressed", "true");

  await page.reload();
  await hydrated(page);
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(toggle).toHaveAttribute("aria-label", "Switch to the light theme");
});

test("the menu opens and closes on small screens", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto("/");
  await hydrated(page);
  const nav = page.locator("#site-nav");
  const button = page.getByTestId("nav-toggle");
  await expect(nav).toBeHidden();
  await expect(button).toHaveAttribute("aria-expanded", "false");

  await button.click();
  await expect(nav).toBeVisible();
  await expect(button).toHaveAttribute("aria-expanded", "true");

  await nav.getByRole("link", { name: "How it works" }).click();
  await expect(nav).toBeHidden();
  await expect(page.locator("#how-it-works")).toBeInViewport();
});

test("keyboard users can skip to the content", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
});

test("unknown addresses show the 404 page", async ({ page }) => {
  const response = await page.goto("/definitely/not/here");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This page does not exist");
  await hydrated(page);
  await page.getByRole("link", { name: "Go to the home page" }).click();
  await expect(page).toHaveURL("/");
});

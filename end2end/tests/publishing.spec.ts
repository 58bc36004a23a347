import { test, expect, hydrated, connectAccount, sandboxURL } from "./fixtures";
import type { Page } from "@playwright/test";

// The browser's time zone: the form takes it, and the schedule is read in it.
const ZONE = "Europe/Paris";
test.use({ timezoneId: ZONE });

/** A 400×500 PNG (4:5, a shape Instagram takes as it is), made for this test. */
const PHOTO = Buffer.from(
  [
    "iVBORw0KGgoAAAANSUhEUgAAAZAAAAH0CAIAAACcuOzXAAAE20lEQVR42u3UQQ0AAAjEsBOGMCQiCx2QJlWwxzJd",
    "ACdEAsCwAAwLMCwAwwIwLMCwAAwLwLAAwwIwLADDAgwLwLAADAswLADDAjAswLAADAvAsADDAjAsAMMCDAvAsAAM",
    "CzAsAMMCDEsFwLAADAswLADDAjAswLAADAvAsADDAjAsAMMCDAvAsAAMCzAsAMMCMCzAsAAMC8CwAMMCMCwAwwIM",
    "C8CwAAwLMCwAwwIMSwXAsAAMCzAsAMMCMCzAsAAMC8CwAMMCMCwAwwIMC8CwAAwLMCwAwwIwLMCwAAwLwLAAwwIw",
    "LADDAgwLwLAADAswLADDAgwLwLAADAswLADDAjAswLAADAvAsADDAjAsAMMCDAvAsAAMCzAsAMMCMCzAsAAMC8Cw",
    "AMMCMCwAwwIMC8CwAAwLMCwAwwIMC8CwAAwLMCwAwwIwLMCwAAwLwLAAwwIwLADDAgwLwLAADAswLADDAjAswLAA",
    "DAvAsADDAjAsAMMCDAvAsAAMCzAsAMMCDAvAsAAMCzAsAMMCMCzAsAAMC8CwAMMCMCwAwwIMC8CwAAwLMCwAwwIw",
    "LMCwAAwLwLAAwwIwLADDAgwLwLAADAswLADDAgwLwLAADAswLADDAjAswLAADAvAsADDAjAsAMMCDAvAsAAMCzAs",
    "AMMCMCzAsAAMC8CwAMMCMCwAwwIMC8CwAAwLMCwAwwIMC8CwAAwLMCwAwwIwLMCwAAwLwLAAwwIwLADDAgwLwLAA",
    "DAswLADDAjAswLAADAvAsADDAjAsAMMCDAvAsAAMCzAsAMMCDAvAsAAMCzAsAMMCMCzAsAAMC8CwAMMCMCwAwwIM",
    "C8CwAAwLMCwAwwIwLMCwAAwLwLAAwwIwLADDAgwLwLAAw5IAMCwAwwIMC8CwAAwLMCwAwwIwLMCwAAwLwLAAwwIw",
    "LADDAgwLwLAADAswLADDAjAswLAADAvAsADDAjAsAMMCDAvAsADDUgEwLADDAgwLwLAADAswLADDAjAswLAADAvA",
    "sADDAjAsAMMCDAvAsAAMCzAsAMMCMCzAsAAMC8CwAMMCMCwAwwIMC8CwAMNSATAsAMMCDAvAsAAMCzAsAMMCMCzA",
    "sAAMC8CwAMMCMCwAwwIMC8CwAAwLMCwAwwIwLMCwAAwLwLAAwwIwLADDAgwLwLAAwwIwLADDAgwLwLAADAswLADD",
    "AjAswLAADAvAsADDAjAsAMMCDAvAsAAMCzAsAMMCMCzAsAAMC8CwAMMCMCwAwwIMC8CwAMMCMCwAwwIMC8CwAAwL",
    "MCwAwwIwLMCwAAwLwLAAwwIwLADDAgwLwLAADAswLADDAjAswLAADAvAsADDAjAsAMMCDAvAsADDAjAsAMMCDAvA",
    "sAAMCzAsAMMCMCzAsAAMC8CwAMMCMCwAwwIMC8CwAAwLMCwAwwIwLMCwAAwLwLAAwwIwLADDAgwLwLAAwwIwLADD",
    "AgwLwLAADAswLADDAjAswLAADAvAsADDAjAsAMMCDAvAsAAMCzAsAMMCMCzAsAAMC8CwAMMCMCwAwwIMC8CwAMMC",
    "MCwAwwIMC8CwAAwLMCwAwwIwLMCwAAwLwLAAwwIwLADDAgwLwLAADAswLADDAjAswLAADAvAsADDAjAsAMMCDAvA",
    "sADDAjAsAMMCDAvAsAAMCzAsAMMCMCzgtwXOvO7qC2+MogAAAABJRU5ErkJggg==",
  ].join(""),
  "base64",
);

/** A sandbox account of the test's own, so no other test's posts are in the way. */
async function newAccount(page: Page, username: string) {
  const made = await page.request.post(`${sandboxURL}/__sandbox/accounts`, {
    data: { username, media: 3 },
  });
  expect(made.status()).toBe(201);
}

/** The app's time (the sandbox's clock), in Unix seconds. */
async function appNow(page: Page): Promise<number> {
  const res = await page.request.get(`${sandboxURL}/__sandbox/clock`);
  expect(res.ok()).toBeTruthy();
  return ((await res.json()) as { now: number }).now;
}

/** The wall clock of a Unix time in `zone`, as numbers. */
function wallClock(unix: number, zone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(new Date(unix * 1000));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part("year"), month: part("month"), day: part("day"), hour: part("hour"), minute: part("minute") };
}

/** `YYYY-MM-DD` of the day after the one `unix` falls on in `zone`. */
function nextDay(unix: number, zone: string): string {
  const w = wallClock(unix, zone);
  return new Date(Date.UTC(w.year, w.month - 1, w.day + 1)).toISOString().slice(0, 10);
}

/** The Unix time of `hour`:00 on `date` (`YYYY-MM-DD`) in `zone`. */
function unixAt(date: string, hour: number, zone: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const guess = Date.UTC(y, m - 1, d, hour) / 1000;
  const w = wallClock(guess, zone);
  const offset = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) / 1000 - guess;
  return guess - offset;
}

test("an uploaded photo is scheduled, shows on the calendar and goes out on time", async ({ page }) => {
  test.setTimeout(90_000);
  await newAccount(page, "e2e.planner");
  await connectAccount(page, "e2e.planner");
  await expect(page).toHaveURL(/\/media$/);
  await page.getByRole("link", { name: "Publish", exact: true }).click();
  await expect(page).toHaveURL(/\/media\/[^/]+\/publish$/);
  const account = new URL(page.url()).pathname.split("/")[2];
  await hydrated(page);

  // The form takes the browser's time zone.
  await expect(page.getByTestId("publish-tz")).toHaveValue(ZONE);

  // The photo shows before anything is sent, with its name; 4:5 needs no cropping.
  await page.getByTestId("publish-files").setInputFiles({
    name: "loaf.png",
    mimeType: "image/png",
    buffer: PHOTO,
  });
  const preview = page.getByTestId("publish-preview");
  await expect(preview.getByTestId("preview-item")).toHaveCount(1);
  await expect(preview.getByTestId("preview-item")).toContainText("loaf.png");
  await expect
    .poll(() => preview.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(400);
  await expect(preview.getByTestId("preview-warning")).toHaveCount(0);

  // Tomorrow at 09:00, Paris time.
  const day = nextDay(await appNow(page), ZONE);
  const at = unixAt(day, 9, ZONE);
  const caption = `Morning loaf, planned at ${Date.now()}`;
  await page.getByTestId("publish-caption").fill(caption);
  await page.getByTestId("publish-alt").fill("A round loaf on a wooden board");
  await page.getByTestId("publish-when-schedule").check();
  await page.getByTestId("publish-at").fill(`${day}T09:00`);
  await page.getByTestId("publish-submit").click();

  // The answer comes in place: the post, scheduled, and a fresh form.
  const sent = page.getByTestId("job").first();
  await expect(sent).toHaveAttribute("data-status", "scheduled");
  await expect(page.getByTestId("publish-files")).toHaveValue("");

  // Planned lists it.
  await page.reload();
  const planned = page.getByTestId("planned").getByTestId("job").filter({ hasText: caption });
  await expect(planned).toHaveCount(1);
  await expect(planned).toHaveAttribute("data-status", "scheduled");
  await expect(planned.getByTestId("job-edit")).toHaveAttribute("href", new RegExp(`/media/${account}/publish/`));

  // The week's calendar shows it on its day.
  await page.goto(`/media/${account}/calendar?view=week&date=${day}&tz=${encodeURIComponent(ZONE)}`);
  const cell = page.locator(`[data-testid="calendar-day"][data-date="${day}"]`);
  await expect(cell.getByTestId("calendar-post")).toHaveCount(1);
  await expect(cell.getByTestId("calendar-post")).toContainText("09:00");
  await expect(cell.getByTestId("calendar-post")).toHaveAttribute("data-status", "scheduled");

  // An hour after its time, it is out: the gallery shows it, described by its alt text.
  const moved = await page.request.post(`${sandboxURL}/__sandbox/clock`, { data: { set: at + 3600 } });
  expect(moved.ok()).toBeTruthy();
  await expect
    .poll(
      async () => {
        await page.goto("/media");
        return page.getByAltText("A round loaf on a wooden board").count();
      },
      { timeout: 45_000 },
    )
    .toBe(1);
});

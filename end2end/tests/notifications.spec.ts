import * as crypto from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import { connectAccount, expect, hydrated, sandboxURL, test } from "./fixtures";

// Notifications in the browser: a person sets their address (confirmed through the link a mail
// server on loopback receives) and how they hear; an admin adds a webhook endpoint, sends it a
// test and sees the delivery in the console's log. playwright.config.ts points SMTP_URL at the
// mail server started here.

const smtpPort = Number(process.env.E2E_PORT ?? 3180) + 2;
const hookPort = Number(process.env.E2E_PORT ?? 3180) + 3;

/** A few lines of SMTP: every message's raw text, in order. */
function mailServer(messages: string[]): net.Server {
  return net.createServer((socket) => {
    let data: string | null = null;
    let buffer = "";
    socket.write("220 tests ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      let end: number;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === ".") {
            messages.push(data);
            data = null;
            socket.write("250 queued\r\n");
          } else {
            data += (line.startsWith("..") ? line.slice(1) : line) + "\n";
          }
        } else if (/^EHLO/i.test(line)) {
          socket.write("250-tests\r\n250 8BITMIME\r\n");
        } else if (/^DATA/i.test(line)) {
          data = "";
          socket.write("354 go ahead\r\n");
        } else if (/^QUIT/i.test(line)) {
          socket.end("221 bye\r\n");
        } else {
          socket.write("250 ok\r\n");
        }
      }
    });
    socket.on("error", () => {});
  });
}

/** The links of a message's text, quoted-printable undone. */
function links(raw: string): string[] {
  const text = raw.replace(/=\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  return text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
}

test("a person confirms their address and chooses a daily digest", async ({ page }) => {
  const messages: string[] = [];
  const smtp = mailServer(messages);
  await new Promise<void>((done) => smtp.listen(smtpPort, "127.0.0.1", done));
  try {
    const made = await page.request.post(`${sandboxURL}/__sandbox/accounts`, { data: { username: "notify.person" } });
    expect(made.status()).toBe(201);
    await connectAccount(page, "notify.person", { returnTo: "/accounts" });
    await expect(page).toHaveURL(/\/accounts$/);
    await hydrated(page);
    const section = page.getByTestId("notifications");
    await expect(section.getByTestId("notify-status")).toContainText("No address yet");
    await section.getByTestId("notify-email").fill("person@example.test");
    await section.getByTestId("notify-mode-digest").check();
    await section.getByTestId("notify-save").click();
    await expect(page.getByText("We sent a link to the new address")).toBeVisible();
    await expect(section.getByTestId("notify-status")).toContainText("Waiting for you to confirm person@example.test");

    await expect.poll(() => messages.length).toBe(1);
    const link = links(messages[0]).find((l) => l.includes("/notifications/confirm/"));
    expect(link, messages[0]).toBeTruthy();
    await page.goto(link!);
    await page.getByRole("button", { name: "Confirm this address" }).click();
    await expect(page.getByRole("heading", { name: "Address confirmed" })).toBeVisible();

    await page.goto("/accounts");
    await expect(section.getByTestId("notify-status")).toContainText("Notices are emailed to person@example.test");
    await expect(section.getByTestId("notify-mode-digest")).toBeChecked();
    await expect(section.getByTestId("no-notices")).toBeVisible();
  } finally {
    smtp.close();
  }
});

test("an admin adds a webhook endpoint, sends a test and sees it delivered", async ({ page }) => {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const hooks = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => hooks.listen(hookPort, "127.0.0.1", done));
  try {
    await connectAccount(page, "sandbox.studio", { returnTo: "/admin" });
    await expect(page).toHaveURL(/\/admin$/);
    await hydrated(page);
    const form = page.getByTestId("endpoint-form");
    await form.getByTestId("endpoint-url").fill(`http://127.0.0.1:${hookPort}/hooks`);
    await form.getByTestId("endpoint-add").click();
    await expect(page.getByText("Endpoint http://127.0.0.1")).toBeVisible();
    const endpoint = page.getByTestId("endpoint").filter({ hasText: `127.0.0.1:${hookPort}` });
    await endpoint.getByText("Signing secret").click();
    const secret = (await endpoint.getByTestId("endpoint-secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);

    await endpoint.getByTestId("endpoint-test").click();
    await expect(page.getByText("A test event is on its way")).toBeVisible();
    await expect.poll(() => received.filter((r) => r.body.includes("test.ping")).length).toBe(1);
    const hook = received.find((r) => r.body.includes("test.ping"))!;
    const signed = `${hook.headers["webhook-id"]}.${hook.headers["webhook-timestamp"]}.${hook.body}`;
    const mac = crypto
      .createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
      .update(signed)
      .digest("base64");
    expect(String(hook.headers["webhook-signature"]).split(" ")).toContain(`v1,${mac}`);

    await expect(async () => {
      await page.reload();
      const delivery = page.getByTestId("delivery").filter({ hasText: "test.ping" });
      await expect(delivery).toHaveAttribute("data-state", "delivered");
      await expect(delivery).toContainText("204");
    }).toPass();
  } finally {
    hooks.close();
  }
});

// The visitor's page renews its token over the socket (the server closes a connection when its credential
// expires): the stored token changes, the identity does not, and a reload keeps the queue place.
import { expect, test, type Page } from "@playwright/test";

type Stored = { token: string; visitorId: string; expiresAt: string };
const stored = (page: Page) => page.evaluate(() => JSON.parse(sessionStorage.getItem("vhd.visitor") ?? "null") as Stored | null);
const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sub: string; exp: number; name?: string };

test("the visitor's token is renewed on the open connection; a reload keeps the identity and the queue place", async ({ page }) => {
  await page.goto("/demo/plain");
  await page.getByRole("link", { name: "Video Assistance" }).click();
  await page.getByLabel("Your name (optional)").fill("Rene Renewed");
  await page.getByRole("button", { name: "Request video assistance" }).click();
  await expect(page.getByTestId("waiting-screen")).toBeVisible();
  const position = await page.getByTestId("queue-position").textContent();

  // The first token came from POST /api/visitor/session; the connection replaces it with a renewed one.
  const first = (await stored(page))!;
  const firstClaims = claims(first.token);
  await page.waitForTimeout(1100); // token times have a one-second resolution: a renewal now gets a later exp
  await page.reload();
  await expect(page.getByTestId("waiting-screen")).toBeVisible();
  await expect.poll(async () => (await stored(page))?.token).not.toBe(first.token);
  const renewed = (await stored(page))!;
  expect(claims(renewed.token)).toMatchObject({ sub: firstClaims.sub, name: "Rene Renewed" });
  expect(claims(renewed.token).exp).toBeGreaterThan(firstClaims.exp);
  expect(renewed.visitorId).toBe(first.visitorId);
  await expect(page.getByTestId("queue-position")).toHaveText(position!);

  await page.getByRole("button", { name: "Leave the queue" }).click();
  await expect(page.getByTestId("waiting-screen")).toBeHidden();
});

// Signing an agent in through the real login page, for tests that need a session.
import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/console$/);
}

/** An HTTP client carrying a fresh agent session cookie. */
export async function agentRequest(browser: Browser, username: string, password: string): Promise<APIRequestContext> {
  const context = await browser.newContext();
  await signIn(await context.newPage(), username, password);
  return context.request;
}

// Sign-out and sign-in redirects stay on the site the browser is on, without NEXTAUTH_URL in the environment
// (the app does not write process.env). next-auth's own handler runs against the app's options; only Next's
// request plumbing is left out.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildAuthOptions, sameSiteRedirect } from "@/server/platform/auth/next-auth-options";
import type { LoginService } from "@/server/platform/auth/login";

type InternalResponse = { status?: number; redirect?: string; cookies?: { name: string; value: string }[] };
type AuthHandler = (params: { req: Record<string, unknown>; options: unknown }) => Promise<InternalResponse>;
// next-auth 4 does not export its core from the package; load it by file, as its route handler does.
const { AuthHandler } = createRequire(import.meta.url)(path.resolve("node_modules/next-auth/core/index.js")) as {
  AuthHandler: AuthHandler;
};

const SECRET = "s".repeat(48);
const login = {
  login: async () => ({ ok: true, agent: { id: "a1", displayName: "Agent One", username: "agent1", role: "agent" } }),
} as unknown as LoginService;
const options = () => buildAuthOptions({ login, secret: SECRET, maxAgeSeconds: 3600, secureCookies: false });

function csrf(): { token: string; cookie: string } {
  const token = "c".repeat(64);
  return { token, cookie: `${token}|${createHash("sha256").update(`${token}${SECRET}`).digest("hex")}` };
}

async function post(action: string, body: Record<string, string>, providerId?: string): Promise<InternalResponse> {
  const { token, cookie } = csrf();
  return AuthHandler({
    req: {
      method: "POST",
      action,
      providerId,
      body: { csrfToken: token, json: "true", ...body },
      query: {},
      cookies: { "next-auth.csrf-token": cookie },
      headers: { host: "desk.example.test:4123", "content-type": "application/x-www-form-urlencoded" },
    },
    options: options(),
  });
}

describe("auth redirects without NEXTAUTH_URL", () => {
  it("the environment does not name the public URL in this test", () => {
    expect(process.env.NEXTAUTH_URL).toBeUndefined();
  });

  it("sign-out sends the browser to /login on this site (what the Sign out button asks for)", async () => {
    const res = await post("signout", { callbackUrl: "/login" });
    expect(res.redirect).toBe("/login");
  });

  it("sign-out with the page's absolute URL keeps its path, not next-auth's guessed localhost:3000", async () => {
    const res = await post("signout", { callbackUrl: "http://desk.example.test:4123/console?tab=queue" });
    expect(res.redirect).toBe("/console?tab=queue");
  });

  it("a credentials sign-in returns to the requested page on this site", async () => {
    const res = await post(
      "callback",
      { username: "agent1", password: "pw", callbackUrl: "http://desk.example.test:4123/console" },
      "credentials",
    );
    expect(res.redirect).toBe("/console");
    expect(res.cookies?.some((c) => c.name === "next-auth.session-token")).toBe(true);
  });

  it("never redirects off the site", () => {
    expect(sameSiteRedirect("https://evil.example/phish")).toBe("/phish");
    expect(sameSiteRedirect("//evil.example/x")).toBe("/");
    expect(sameSiteRedirect("not a url")).toBe("/not%20a%20url");
  });
});

// next-auth 4 configuration: credentials against the agents table, JWT sessions with a bounded lifetime.
import type { AuthOptions } from "next-auth";
import type { Role } from "@/lib/domain/agent-account";
import CredentialsModule from "next-auth/providers/credentials";
import { z } from "zod";
import type { AgentSessions } from "@/server/platform/auth/agent-sessions";
import type { LoginService } from "@/server/platform/auth/login";
import type { Logger } from "@/server/platform/logger";
import { sameOriginPath } from "@/lib/security/same-origin-path";

// next-auth ships CommonJS: under Node's ESM loader the default import is the whole module object.
const CredentialsProvider = ((CredentialsModule as unknown as { default?: typeof CredentialsModule }).default ??
  CredentialsModule) as typeof CredentialsModule;

/** Set by the web process's front door (server/composition-root-http.ts) from the TCP peer (or X-Forwarded-For behind a trusted proxy); clients cannot forge it. */
export const CLIENT_IP_HEADER = "x-vhd-client-ip";

const credentialsSchema = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

/**
 * next-auth 4 learns the public origin only from the NEXTAUTH_URL environment variable, which the app neither
 * needs nor writes; without it next-auth's own base URL is http://localhost:3000. Redirects therefore stay
 * paths on this site (the browser resolves them against the page it is on). Absolute URLs become their path:
 * the auth routes accept only this site's origins (auth-request-guard.ts), and a path cannot leave the site.
 */
export function sameSiteRedirect(url: string): string {
  let path = url;
  try {
    const absolute = new URL(url);
    path = `${absolute.pathname}${absolute.search}${absolute.hash}`;
  } catch {
    // relative: judged as it is
  }
  return sameOriginPath(path, "/");
}

export function buildAuthOptions(opts: {
  login: LoginService;
  secret: string;
  maxAgeSeconds: number;
  secureCookies: boolean;
  /** Without it (tests of the options alone) sessions are honoured until they expire. */
  sessions?: AgentSessions;
  logger?: Logger;
}): AuthOptions {
  const logger = opts.logger;
  return {
    secret: opts.secret,
    useSecureCookies: opts.secureCookies,
    session: { strategy: "jwt", maxAge: opts.maxAgeSeconds },
    // session.maxAge alone does not shorten the JWT itself.
    jwt: { maxAge: opts.maxAgeSeconds },
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        name: "Agent login",
        credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const parsed = credentialsSchema.safeParse(credentials);
          if (!parsed.success) throw new Error("INVALID_CREDENTIALS");
          const result = await opts.login.login(parsed.data.username, parsed.data.password, clientIp(req?.headers));
          if (!result.ok) throw new Error(result.code === "RATE_LIMITED" ? `RATE_LIMITED:${result.retryAfterSeconds}` : result.code);
          const { agent } = result;
          return { id: agent.id, name: agent.displayName, username: agent.username, role: agent.role, epoch: agent.sessionEpoch };
        },
      }),
    ],
    // Its warnings and errors go to the app's log; the missing NEXTAUTH_URL is deliberate (see sameSiteRedirect).
    logger: logger && {
      error: (code, metadata) => logger.error({ code, metadata }, "next-auth error"),
      warn: (code) => {
        if (code !== "NEXTAUTH_URL") logger.warn({ code }, "next-auth warning");
      },
      debug: (code, metadata) => logger.debug({ code, metadata }, "next-auth debug"),
    },
    callbacks: {
      redirect: ({ url }) => sameSiteRedirect(url),
      jwt({ token, user }) {
        if (user) {
          const u = user as { id: string; username: string; role: Role; epoch: number };
          token.sub = u.id;
          token.username = u.username;
          token.role = u.role;
          token.epoch = u.epoch;
        }
        return token;
      },
      async session({ session, token }) {
        const epoch = token.epoch ?? 0;
        // An ended session (deactivated, password reset) reads as signed out, here too (/api/auth/session).
        const current = opts.sessions ? await opts.sessions.current(token.sub!, epoch) : { role: token.role as Role };
        if (!current) return { expires: session.expires } as typeof session;
        session.user = { ...session.user, id: token.sub!, username: token.username as string, role: current.role, epoch };
        return session;
      },
    },
  };
}

function clientIp(headers: unknown): string {
  if (!headers) return "unknown";
  const value =
    headers instanceof Headers ? headers.get(CLIENT_IP_HEADER) : (headers as Record<string, string | undefined>)[CLIENT_IP_HEADER];
  return value || "unknown";
}

// A server reachable from the network must never accept a password printed in the README. The first command
// listens on loopback (only this machine can sign in with the demo accounts); listening beyond loopback in
// production is refused while any seeded account still has its demo password, whether the SEED_*_PASSWORD
// variables are unset or the database was seeded before they were set.
import { isIP } from "node:net";
import type { FailureKind } from "@/lib/errors/catalog";

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost" || bare === "::1") return true;
  return isIP(bare) === 4 && bare.startsWith("127.");
}

export const SEED_PASSWORD_VARIABLES: Record<string, string> = {
  agent1: "SEED_AGENT1_PASSWORD",
  agent2: "SEED_AGENT2_PASSWORD",
  admin: "SEED_ADMIN_PASSWORD",
};

/** One line saying why the server will not listen, or null when it may. */
export function demoPasswordRefusal(opts: { production: boolean; host: string; demoAccounts: readonly string[] }): string | null {
  if (!opts.production || isLoopbackHost(opts.host) || opts.demoAccounts.length === 0) return null;
  const variables = opts.demoAccounts.map((name) => SEED_PASSWORD_VARIABLES[name] ?? name).join(", ");
  return (
    `Refusing to listen on ${opts.host} in production: ${opts.demoAccounts.join(", ")} still accept the README's demo ` +
    `password; set ${variables} (8+ characters) or listen on loopback (HOST=127.0.0.1).`
  );
}

/** Start-up refused by the policy above; the entry point prints its one-line message and exits. */
export class ListenRefused extends Error {
  readonly kind: FailureKind = "config.invalid";
  constructor(message: string) {
    super(message);
    this.name = "ListenRefused";
  }
}

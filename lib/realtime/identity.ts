import type { Role } from "@/lib/domain/agent-account";

// Who is on the other end of a connection. Always established by the server (session cookie or signed
// visitor token), never taken from what a client says about itself.
export type Identity =
  | { kind: "agent"; id: string; username: string; name: string; role: Role }
  | { kind: "visitor"; id: string; name?: string };

/** The one string that names a user across meeting points, invitations and chat. */
export function userIdOf(identity: Identity): string {
  return `${identity.kind}:${identity.id}`;
}

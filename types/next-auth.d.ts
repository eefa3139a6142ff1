import "next-auth";
import type { Role } from "@/lib/domain/agent-account";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    user: { id: string; username: string; role: Role; epoch: number; name?: string | null; email?: string | null; image?: string | null };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    username?: string;
    role?: Role;
    /** The agent's sessionEpoch when this session was issued (agent-sessions.ts). */
    epoch?: number;
  }
}

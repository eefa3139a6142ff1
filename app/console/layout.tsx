import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/SignOutButton";
import { canAdminister, canSupervise } from "@/lib/domain/agent-account";
import { getAgentSession } from "@/server/platform/auth/agent-session";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const session = await getAgentSession();
  if (!session) redirect("/login?callbackUrl=/console");
  return (
    <>
      <header className="topbar">
        <span className="row" style={{ gap: 16 }}>
          <span className="brand">Video Help Desk · Console</span>
          <nav className="row" aria-label="Console" style={{ gap: 12 }}>
            <Link href="/console">Tickets</Link>
            <Link href="/console/recordings">Recordings</Link>
            {canSupervise(session.user.role) && <Link href="/console/supervisor">Supervisor</Link>}
            {canAdminister(session.user.role) && <Link href="/console/admin">Agents</Link>}
          </nav>
        </span>
        <span>
          <span data-testid="agent-name">{session.user.name}</span> <span className="muted">({session.user.role})</span> <SignOutButton />
        </span>
      </header>
      {children}
    </>
  );
}

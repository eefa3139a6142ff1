import { redirect } from "next/navigation";
import { SupervisorConsole } from "@/components/supervisor/SupervisorConsole";
import { canSupervise } from "@/lib/domain/agent-account";
import { getAgentSession } from "@/server/platform/auth/agent-session";

export const dynamic = "force-dynamic";
export const metadata = { title: "Supervisor · Video Help Desk" };

/** The desk's live figures (supervisors and admins; the socket checks the role again on every request and push). */
export default async function SupervisorPage() {
  const session = await getAgentSession();
  if (!session) redirect("/login?callbackUrl=/console/supervisor");
  if (!canSupervise(session.user.role)) {
    return (
      <main>
        <p className="error" role="alert">
          Only supervisors and admins see the supervisor view.
        </p>
      </main>
    );
  }
  return (
    <main style={{ maxWidth: 1400 }}>
      <SupervisorConsole />
    </main>
  );
}

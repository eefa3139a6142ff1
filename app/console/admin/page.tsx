import { redirect } from "next/navigation";
import { StaffAdmin } from "@/components/admin/StaffAdmin";
import { canAdminister } from "@/lib/domain/agent-account";
import { getAgentSession } from "@/server/platform/auth/agent-session";

export const dynamic = "force-dynamic";
export const metadata = { title: "Agents · Video Help Desk" };

/** Staff accounts and skills (admins only; the API checks the role again on every request). */
export default async function AdminPage() {
  const session = await getAgentSession();
  if (!session) redirect("/login?callbackUrl=/console/admin");
  if (!canAdminister(session.user.role)) {
    return (
      <main>
        <p className="error" role="alert">
          Only admins manage agents.
        </p>
      </main>
    );
  }
  return (
    <main style={{ maxWidth: 1400 }}>
      <StaffAdmin selfId={session.user.id} />
    </main>
  );
}

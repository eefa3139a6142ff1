import { redirect } from "next/navigation";
import { RecordingsConsole } from "@/components/recordings/RecordingsConsole";
import { getAgentSession } from "@/server/platform/auth/agent-session";

export const dynamic = "force-dynamic";
export const metadata = { title: "Recordings · Video Help Desk" };

/** The recordings library (agents only). */
export default async function RecordingsPage() {
  const session = await getAgentSession();
  if (!session) redirect("/login?callbackUrl=/console/recordings");
  return (
    <main style={{ maxWidth: 1400 }}>
      <RecordingsConsole role={session.user.role} />
    </main>
  );
}

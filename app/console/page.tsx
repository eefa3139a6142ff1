import { getAgentSession } from "@/server/auth/agent-session";

export const dynamic = "force-dynamic";

export default async function ConsolePage() {
  const session = await getAgentSession();
  return (
    <main>
      <div className="panel">
        <h1>Welcome, {session?.user.name}</h1>
        <p className="muted">The ticket queue appears here.</p>
      </div>
    </main>
  );
}

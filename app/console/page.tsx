import { AgentConsole } from "@/components/console/AgentConsole";
import { getAgentSession } from "@/server/platform/auth/agent-session";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

export default async function ConsolePage() {
  const session = await getAgentSession();
  if (!session) return null; // the layout redirects
  return (
    <main style={{ maxWidth: 1400 }}>
      <AgentConsole
        self={{ id: session.user.id, name: session.user.name ?? session.user.username }}
        iceServers={getServices().env.ICE_SERVERS}
      />
    </main>
  );
}

import { AgentConsole } from "@/components/console/AgentConsole";
import { getAgentSession } from "@/server/platform/auth/agent-session";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";
// The base of the tab title, which counts new tickets while the console is in the background.
export const metadata = { title: "Console · Video Help Desk" };

export default async function ConsolePage() {
  const session = await getAgentSession();
  if (!session) return null; // the layout redirects
  const { skills } = await getServices().staff.get(session.user.id);
  return (
    <main style={{ maxWidth: 1400 }}>
      <AgentConsole
        self={{ id: session.user.id, name: session.user.name ?? session.user.username }}
        skills={skills}
        iceServers={getServices().env.ICE_SERVERS}
      />
    </main>
  );
}

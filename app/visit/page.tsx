import { VisitorApp } from "@/components/visitor/VisitorApp";
import { getServices } from "@/server/service-registry";
import { consentTextSha256 } from "@/server/recordings/consent-control";

export const dynamic = "force-dynamic";
export const metadata = { title: "Video assistance" };

export default async function VisitPage() {
  const { db, env } = getServices();
  const skills = await db.prisma.skill.findMany({ select: { name: true, label: true }, orderBy: { label: "asc" } });
  return (
    <main>
      <VisitorApp
        skills={skills}
        iceServers={env.ICE_SERVERS}
        consent={{ text: env.RECORDING_CONSENT_TEXT, textSha256: consentTextSha256(env.RECORDING_CONSENT_TEXT) }}
      />
    </main>
  );
}

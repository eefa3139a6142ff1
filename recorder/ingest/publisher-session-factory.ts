// Creates publisher sessions for the WHIP handler: one port lane each, answered within a time limit.
import { RTCDtlsTransport } from "werift";
import { candidatePorts } from "@/recorder/ingest/candidates";
import { PortLanes } from "@/recorder/ingest/port-lanes";
import { PublisherSession, type PublisherSessionOptions } from "@/recorder/ingest/publisher-session";
import { type SessionRequest, WhipHttpError } from "@/recorder/whip/whip-handler";

/**
 * SessionFactory for the WHIP handler. Sessions are answered concurrently, each gathering in its own
 * lane of the port range (port-lanes.ts): werift picks a port by probing, closing and binding, which
 * could collide when two gatherings probe the same ports at once, also with an explicit icePortRange.
 * One at a time cost the last of 4 simultaneous publishers 100-200 ms of queueing.
 */
export function publisherSessionFactory(opts: PublisherSessionOptions): (request: SessionRequest) => Promise<PublisherSession> {
  const lanes = new PortLanes(opts.icePortRange);
  // werift makes one DTLS certificate per process, at the first answer (about 20 ms, paid by every session
  // that arrives meanwhile): make it now.
  RTCDtlsTransport.SetupCertificate().catch((err: Error) => opts.log?.("certificate-failed", { error: err.message }));
  return async (request) => {
    const lease = await lanes.acquire();
    const session = new PublisherSession(request, { ...opts, icePortRange: lease.range });
    session.onClosed(() => lease.release());
    let timer: NodeJS.Timeout | undefined;
    try {
      const limit = opts.negotiationTimeoutMs ?? 10_000;
      await Promise.race([
        session.negotiate(request.offerSdp),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new WhipHttpError(503, "negotiation-timeout", `no answer within ${limit} ms`)), limit);
        }),
      ]);
      lease.gathered(candidatePorts(session.answerSdp));
    } catch (err) {
      lease.release();
      await session.close("negotiation-failed");
      throw err instanceof WhipHttpError
        ? err
        : new WhipHttpError(422, "negotiation-failed", `could not answer the offer: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return session;
  };
}

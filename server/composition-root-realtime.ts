// The realtime help desk on a Socket.IO server: services, presence across nodes, request handlers, the supervisor
// figures' push.
// Shared by the web process (server/composition-root.ts) and the integration test stacks.
import type { PrismaClient } from "@/server/platform/database/generated/client";
import { createHelpDesk, type HelpDesk, type HelpDeskOptions } from "@/server/help-desk/create-help-desk";
import type { VisitorTokens } from "@/server/platform/auth/visitor-token";
import { iceServersFor, type IceServer, type TurnConfig } from "@/server/platform/auth/turn-credentials";
import type { Logger } from "@/server/platform/logger";
import { socketPresenceLink } from "@/server/realtime/presence-link";
import { attachRequestHandlers, type AppSocketServer } from "@/server/realtime/socket-server";
import type { Notifier } from "@/server/help-desk/notifier";
import { startSupervisorFiguresPush } from "@/server/realtime/supervisor-figures-push";

export interface RealtimeDeskOptions {
  io: AppSocketServer;
  /** How the desk reaches clients (a SocketNotifier on `io`). */
  notifier: Notifier;
  prisma: PrismaClient;
  visitorTokens: VisitorTokens;
  graceMs: number;
  logger: Logger;
  /** Where request handlers log (default: `logger`). */
  requestLogger?: Logger;
  recording: HelpDeskOptions["recording"];
  queueBroadcastMs?: number;
  /** Several nodes share presence through the Socket.IO adapter (Redis). */
  sharedPresence: boolean;
  requests?: Parameters<typeof attachRequestHandlers>[3];
  /** STUN servers for everyone (ICE_SERVERS) and TURN with per-user credentials (TURN_*). */
  ice?: { servers: IceServer[]; turn?: TurnConfig };
}

export function createRealtimeDesk(opts: RealtimeDeskOptions): HelpDesk {
  const desk = createHelpDesk({
    prisma: opts.prisma,
    notifier: opts.notifier,
    graceMs: opts.graceMs,
    logger: opts.logger,
    queueBroadcastMs: opts.queueBroadcastMs,
    recording: opts.recording,
  });
  if (opts.sharedPresence) desk.presence.attach(socketPresenceLink(opts.io));
  const iceServers = (userId: string) => iceServersFor(opts.ice?.servers ?? [], opts.ice?.turn, userId);
  attachRequestHandlers(
    opts.io,
    { ...desk, visitorTokens: opts.visitorTokens, iceServers },
    opts.requestLogger ?? opts.logger,
    opts.requests,
  );
  const figuresPush = startSupervisorFiguresPush(opts.io, () => desk.supervisorView.read(), { logger: opts.logger });
  return {
    ...desk,
    close: () => {
      figuresPush.stop();
      desk.close();
    },
  };
}

// Socket.IO on the app's HTTP server. Every connection is authenticated in the handshake; handlers only
// parse, call the domain and acknowledge.
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import type { Ack } from "../../lib/realtime/ack";
import type { Identity } from "../../lib/realtime/identity";
import type { VisitorTokens } from "../auth/visitor-token";
import type { Logger } from "../logger";
import { authenticateHandshake } from "./socket-auth";

export interface SocketData {
  identity: Identity;
}

export interface ClientToServerEvents {
  "session:whoami": (ack: (reply: Ack<{ identity: Identity }>) => void) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ServerToClientEvents {}

export type AppSocketServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export function createSocketServer(
  httpServer: HttpServer,
  deps: { secret: string; secureCookies: boolean; visitorTokens: VisitorTokens; logger: Logger },
): AppSocketServer {
  const io: AppSocketServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    connectionStateRecovery: { maxDisconnectionDuration: 30_000 },
  });

  io.use((socket, next) => {
    authenticateHandshake(socket.handshake, deps).then(
      (outcome) => {
        if (!outcome.ok) {
          const error = new Error(outcome.message) as Error & { data?: unknown };
          error.data = { code: outcome.code, message: outcome.message };
          return next(error);
        }
        socket.data.identity = outcome.identity;
        next();
      },
      (error: unknown) => {
        deps.logger.error({ err: error }, "socket authentication failed");
        next(new Error("authentication failed"));
      },
    );
  });

  io.on("connection", (socket) => {
    socket.on("session:whoami", (ack) => {
      if (typeof ack !== "function") return;
      ack({ ok: true, identity: socket.data.identity });
    });
  });

  return io;
}

// Long-lived server state, created once by the composition root (server/composition-root.ts) and handed to Next's route handlers.
// Next bundles app code separately from the server entry, so a module-level singleton would exist twice
// (and PGlite allows one connection in total): the entry registers the instances on globalThis instead.
import type { AuthOptions } from "next-auth";
import type { RateLimitStore, RateLimitStoreFactory } from "@/lib/security/rate-limit-store";
import type { Env } from "@/lib/config/env";
import type { HelpDesk } from "@/server/help-desk/create-help-desk";
import type { RecordingLibrary } from "@/server/recordings/recording-library";
import type { RecordingEvidence } from "@/server/recordings/evidence/recording-evidence";
import type { RecordingService } from "@/server/recordings/recording-control";
import type { LoginService } from "@/server/platform/auth/login";
import type { AgentSessions } from "@/server/platform/auth/agent-sessions";
import type { StaffAccounts } from "@/server/help-desk/staff-accounts";
import type { VisitorTokens } from "@/server/platform/auth/visitor-token";
import type { Database } from "@/server/platform/database/database";
import type { Logger } from "@/server/platform/logger";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";

/** What start-up builds before the HTTP server exists. */
export interface CoreServices {
  env: Env;
  logger: Logger;
  db: Database;
  storage: ObjectStorage;
  login: LoginService;
  /** Whether an agent's session is still honoured, and their current role. */
  sessions: AgentSessions;
  /** Staff accounts and skills (admins). */
  staff: StaffAccounts;
  visitorTokens: VisitorTokens;
  authSecret: string;
  authOptions: AuthOptions;
  startedAt: Date;
  version: string;
  /** Rate-limit counters: shared through Redis when REDIS_URL is set, else this node's memory. */
  rateLimits: RateLimitStoreFactory;
  /** Visitor tokens issued per client address (RATE_LIMIT_VISITOR_TOKENS). */
  visitorTokenIssue: RateLimitStore;
  closeRateLimits(): Promise<void>;
}

/** Everything route handlers can use: the core plus the realtime help desk (which needs Socket.IO). */
export interface Services extends CoreServices {
  desk: HelpDesk;
  recordings: RecordingService;
  library: RecordingLibrary;
  evidence: RecordingEvidence;
}

const KEY = Symbol.for("video-help-desk.services");
type Holder = { [KEY]?: Services };

export function registerServices(services: Services | undefined): void {
  (globalThis as Holder)[KEY] = services;
}

export function getServices(): Services {
  const services = (globalThis as Holder)[KEY];
  if (!services) {
    throw new Error(
      "Server services are not initialised: run the app through entrypoints/web.ts (npm run dev / npm start), not `next dev`.",
    );
  }
  return services;
}

// The one way an API route runs: authenticate (and refuse cross-site requests), check the path id, parse the
// query and the JSON body (size limit enforced while streaming), call the route's own logic, and answer any
// error through the catalog. Route files keep only what is theirs: the schemas and the call.
import type { z } from "zod";
import { canAdminister, canSupervise } from "@/lib/domain/agent-account";
import { answerFor } from "@/lib/errors/catalog";
import type { ClientInfo } from "@/lib/domain/recording-access";
import { CLIENT_IP_HEADER } from "@/server/platform/auth/next-auth-options";
import type { Identity } from "@/lib/realtime/identity";
import { authenticateAgent } from "@/server/platform/auth/agent-session";
import { apiError, pathId, readJson, type ParseResult } from "@/server/platform/http/json";
import { getServices, type Services } from "@/server/service-registry";

type AgentIdentity = Extract<Identity, { kind: "agent" }>;
type Auth = "agent" | "supervisor" | "admin" | "anyone";

export interface RouteSpec<A extends Auth, B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  /**
   * "agent": a signed-in agent (session cookie), same-origin requests only; "supervisor" and "admin": one with at
   * least that role (its current one, not the one it signed in with). "anyone": no credential needed.
   */
  auth: A;
  /** The path has an {id} that must be a UUID. */
  id?: boolean;
  body?: B;
  query?: Q;
  /** What the route does, for the log line of an unexpected failure ("starting a recording"). */
  action: string;
}

export interface RouteInput<A extends Auth, B, Q> {
  req: Request;
  identity: A extends "anyone" ? null : AgentIdentity;
  id: string;
  body: B extends z.ZodType ? z.infer<B> : undefined;
  query: Q extends z.ZodType ? z.infer<Q> : undefined;
  /** The caller's address (from the front door, never a client header) and user agent, for the access trail. */
  client: ClientInfo;
  services: Services;
}

type Context = { params: Promise<Record<string, string | string[]>> };

export function apiRoute<A extends Auth, B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<A, B, Q>,
  handle: (input: RouteInput<A, B, Q>) => Promise<Response>,
): (req: Request, ctx: Context) => Promise<Response> {
  return async (req, ctx) => {
    const services = getServices();
    let identity: AgentIdentity | null = null;
    if (spec.auth !== "anyone") {
      const auth = await authenticateAgent(req, {
        secret: services.authSecret,
        publicUrl: services.env.PUBLIC_URL,
        sessions: services.sessions,
      });
      if ("error" in auth) return auth.error;
      identity = auth.identity;
      if (spec.auth === "admin" && !canAdminister(identity.role)) return apiError("FORBIDDEN", "admins only");
      if (spec.auth === "supervisor" && !canSupervise(identity.role)) return apiError("FORBIDDEN", "supervisors and admins only");
    }
    let id = "";
    if (spec.id) {
      const raw = (await ctx.params).id;
      const parsed = pathId(typeof raw === "string" ? raw : "");
      if ("error" in parsed) return parsed.error;
      id = parsed.id;
    }
    const query = spec.query ? parseQuery(req, spec.query) : { data: undefined };
    if ("error" in query) return query.error;
    const body = spec.body ? await readJson(req, spec.body) : { data: undefined };
    if ("error" in body) return body.error;
    try {
      const client = { ip: req.headers.get(CLIENT_IP_HEADER) ?? "unknown", userAgent: req.headers.get("user-agent") ?? "" };
      return await handle({ req, identity, id, body: body.data, query: query.data, client, services } as RouteInput<A, B, Q>);
    } catch (error) {
      const answer = answerFor(error);
      if (!answer.expected) services.logger.error({ err: error, url: req.url, ...(id ? { id } : {}) }, `${spec.action} failed`);
      return apiError(answer.code, answer.message);
    }
  };
}

function parseQuery<T extends z.ZodType>(req: Request, schema: T): ParseResult<z.infer<T>> {
  const parsed = schema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (parsed.success) return { data: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { error: apiError("BAD_REQUEST", `${issue.path.join(".") || "query"}: ${issue.message}`) };
}

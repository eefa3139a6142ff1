// The supervisor's view of the desk: its figures, for supervisors and admins only. The push to their pages lives in
// the transport (server/realtime/supervisor-figures-push.ts); this answers the page's own request.
import { canSupervise } from "@/lib/domain/agent-account";
import type { DeskFigures } from "@/lib/domain/desk-figures";
import { forbidden } from "@/lib/domain/result";
import type { Identity } from "@/lib/realtime/identity";
import type { DeskFiguresStore } from "@/server/help-desk/desk-figures-store";

export class SupervisorView {
  constructor(private readonly store: DeskFiguresStore) {}

  /** The figures now; anyone but a supervisor or an admin is refused. */
  async figures(who: Identity): Promise<DeskFigures> {
    if (who.kind !== "agent" || !canSupervise(who.role)) throw forbidden("the supervisor view is for supervisors and admins");
    return this.store.read();
  }

  /** The same reading, for the push to rooms that only supervisors and admins join. */
  read(): Promise<DeskFigures> {
    return this.store.read();
  }
}

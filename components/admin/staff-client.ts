// Browser side of the admin API (/api/admin/*); the session cookie authenticates, the server checks the role.
import type { Role, SkillView as Skill, StaffAccountView as StaffAccount } from "@/lib/domain/agent-account";

export type { Skill, StaffAccount };

async function call<T>(input: string, init?: RequestInit): Promise<T> {
  const res = await fetch(input, {
    cache: "no-store",
    ...init,
    headers: init?.body ? { "content-type": "application/json" } : undefined,
  });
  const body = (await res.json().catch(() => null)) as ({ message?: string } & T) | null;
  if (!res.ok) throw new Error(body?.message ?? `request failed (${res.status})`);
  return body as T;
}

const json = (method: string, value: unknown): RequestInit => ({ method, body: JSON.stringify(value) });

export const loadStaff = () => call<{ agents: StaffAccount[]; skills: Skill[] }>("/api/admin/agents");

export const createAgent = (input: { username: string; displayName: string; password: string; role: Role; skills: string[] }) =>
  call<{ agent: StaffAccount }>("/api/admin/agents", json("POST", input));

export const updateAgent = (id: string, change: { displayName?: string; role?: Role; skills?: string[]; active?: boolean }) =>
  call<{ agent: StaffAccount }>(`/api/admin/agents/${id}`, json("PATCH", change));

export const resetPassword = (id: string, password: string) =>
  call<{ ok: true }>(`/api/admin/agents/${id}/password`, json("PUT", { password }));

export const addSkill = (input: { name: string; label: string }) => call<{ skill: Skill }>("/api/admin/skills", json("POST", input));

export const renameSkill = (id: string, label: string) => call<{ skill: Skill }>(`/api/admin/skills/${id}`, json("PATCH", { label }));

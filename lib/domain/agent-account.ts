// The help desk's staff accounts: who may be what, and the one rule that keeps the desk manageable (someone can
// always administer it). Plain data in, a verdict out; the store applies it inside a locked transaction.
import { badRequest, conflict } from "@/lib/domain/result";

export const ROLES = ["agent", "supervisor", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Supervisors watch the desk; admins also manage its people. */
export const canSupervise = (role: Role) => role === "supervisor" || role === "admin";
export const canAdminister = (role: Role) => role === "admin";

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;
export const SKILL_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const MIN_PASSWORD_LENGTH = 10;

/** An account as the admin API shows it (never its password hash). */
export interface StaffAccountView {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  active: boolean;
  skills: string[];
  createdAt: string;
}

/** A skill with how many agents have it. */
export interface SkillView {
  id: string;
  name: string;
  label: string;
  agents: number;
}

export interface AccountState {
  id: string;
  role: Role;
  active: boolean;
}

/** Lower-case and trimmed: sign-in compares usernames this way too. */
export function normalizeUsername(input: string): string {
  const username = input.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username)) {
    throw badRequest("username: 2–32 characters, lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  return username;
}

export function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) throw badRequest(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 256) throw badRequest("password: at most 256 characters");
  return password;
}

/**
 * Refuses a change that would leave the desk without an active admin (nobody could then add, fix or reactivate
 * anyone from the app). `accounts` is every account as it is now; `change` is applied to one of them.
 */
export function checkAdminRemains(accounts: readonly AccountState[], change: { id: string; role?: Role; active?: boolean }): void {
  const after = accounts.map((a) => (a.id === change.id ? { ...a, ...definedOnly(change) } : a));
  const adminsBefore = accounts.filter((a) => a.active && a.role === "admin").length;
  const adminsAfter = after.filter((a) => a.active && a.role === "admin").length;
  if (adminsBefore > 0 && adminsAfter === 0) throw conflict("the last active admin cannot be deactivated or lose the admin role");
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

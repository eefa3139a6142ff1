// What the admin API and `npm run agents` accept for staff accounts; the rules past the shape (username pattern,
// password length, the last admin) are the domain's (lib/domain/agent-account.ts) and apply to both.
import { z } from "zod";
import { ROLES } from "@/lib/domain/agent-account";

const skills = z.array(z.string().trim().min(1).max(32)).max(50);

export const newAccountInput = z
  .object({
    username: z.string().max(64),
    displayName: z.string().max(200),
    password: z.string().max(256),
    role: z.enum(ROLES).default("agent"),
    skills: skills.default([]),
  })
  .strict();

export const accountChangeInput = z
  .object({
    displayName: z.string().max(200).optional(),
    role: z.enum(ROLES).optional(),
    skills: skills.optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), { message: "give displayName, role, skills or active" });

export const passwordInput = z.object({ password: z.string().max(256) }).strict();

export const newSkillInput = z.object({ name: z.string().max(64), label: z.string().max(200) }).strict();
export const skillRenameInput = z.object({ label: z.string().max(200) }).strict();

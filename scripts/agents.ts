// Staff accounts from the command line, for headless set-up (the same rules as the admin page):
//   npm run agents -- list
//   npm run agents -- add <username> --name "Display Name" [--role agent|supervisor|admin] [--skills a,b] [--password P]
//   npm run agents -- deactivate <username>     npm run agents -- reactivate <username>
//   npm run agents -- reset-password <username> [--password P]
// Without --password a random one is generated and printed once. With the embedded database (no DATABASE_URL)
// stop the app first: the embedded database admits one process. Changes reach running nodes within seconds.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { EnvError, loadEnv } from "@/lib/config/env";
import { isDomainError } from "@/lib/domain/result";
import { StaffAccounts } from "@/server/help-desk/staff-accounts";
import { newAccountInput } from "@/server/help-desk/staff-account-input";
import { openDatabase } from "@/server/platform/database/database";
import { seed } from "@/server/platform/database/seed";
import { createLogger } from "@/server/platform/logger";

const USAGE = `Usage: npm run agents -- <command>
  list
  add <username> --name "Display Name" [--role agent|supervisor|admin] [--skills a,b] [--password P]
  deactivate <username>
  reactivate <username>
  reset-password <username> [--password P]`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: "string" }, role: { type: "string" }, skills: { type: "string" }, password: { type: "string" } },
  });
  const [command, username, ...extra] = positionals;
  if (!command || extra.length || (command !== "list" && !username)) throw new UsageError(USAGE);
  const env = loadEnv();
  const db = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    poolMax: 1,
    pgliteDir: path.join(path.resolve(env.DATA_DIR), "pglite"),
    logger: createLogger("warn"),
  });
  try {
    await seed(db.prisma, { agent1: env.SEED_AGENT1_PASSWORD, agent2: env.SEED_AGENT2_PASSWORD, admin: env.SEED_ADMIN_PASSWORD });
    await run(new StaffAccounts(db.prisma), command, username ?? "", values);
  } finally {
    await db.close();
  }
}

async function run(staff: StaffAccounts, command: string, username: string, options: Record<string, string | undefined>) {
  const generated = options.password === undefined ? randomBytes(12).toString("base64url") : undefined;
  const password = options.password ?? generated!;
  const printPassword = () => generated && console.log(`password: ${generated}   (shown once; share it safely)`);
  switch (command) {
    case "list": {
      const rows = (await staff.list()).map((a) => [
        a.username,
        a.displayName,
        a.role,
        a.active ? "active" : "deactivated",
        a.skills.join(","),
      ]);
      for (const row of [["USERNAME", "NAME", "ROLE", "STATUS", "SKILLS"], ...rows]) console.log(row.join("\t"));
      return;
    }
    case "add": {
      const input = newAccountInput.safeParse({
        username,
        displayName: options.name ?? "",
        password,
        role: options.role,
        skills: options.skills ? options.skills.split(",").map((s) => s.trim()) : [],
      });
      if (!input.success) throw new UsageError(`${input.error.issues[0]!.path.join(".")}: ${input.error.issues[0]!.message}\n${USAGE}`);
      if (!input.data.displayName) throw new UsageError(`add needs --name\n${USAGE}`);
      const agent = await staff.create(input.data);
      console.log(`added ${agent.username} (${agent.role}; skills: ${agent.skills.join(", ") || "none"})`);
      return printPassword();
    }
    case "deactivate":
    case "reactivate": {
      const agent = await staff.findByUsername(username);
      await staff.setActive(agent.id, command === "reactivate");
      console.log(`${command}d ${agent.username}${command === "deactivate" ? "; their sessions are ended" : ""}`);
      return;
    }
    case "reset-password": {
      const agent = await staff.findByUsername(username);
      await staff.resetPassword(agent.id, password);
      console.log(`new password set for ${agent.username}; their sessions are ended`);
      return printPassword();
    }
    default:
      throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = error as Error & { code?: string };
  if (error instanceof UsageError || error instanceof EnvError) process.stderr.write(`${e.message}\n`);
  else if (isDomainError(error)) process.stderr.write(`${e.code}: ${e.message}\n`);
  else if (e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") process.stderr.write(`${e.message}\n${USAGE}\n`);
  else process.stderr.write(`${e?.stack ?? String(error)}\n`);
  process.exit(error instanceof UsageError || isDomainError(error) ? 2 : 1);
});

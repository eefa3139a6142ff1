import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { ENV_VARIABLES, EnvError, parseEnv } from "@/lib/config/env";

describe("parseEnv", () => {
  it("gives a runnable default configuration with nothing set", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.DATA_DIR).toBe(".data");
    expect(env.S3_ENDPOINT).toBeUndefined();
    expect(env.SESSION_MAX_AGE_SECONDS).toBe(8 * 3600);
  });

  it("treats an empty value as unset", () => {
    expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ["DATABASE_URL", "nonsense"],
    ["DATABASE_URL", "mysql://localhost/db"],
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["AUTH_SECRET", "short"],
    ["LOG_LEVEL", "loud"],
    ["S3_BUCKET", "Not A Bucket"],
    ["TRUST_PROXY", "maybe"],
  ])("refuses %s=%s naming the variable", (variable, value) => {
    try {
      parseEnv({ [variable]: value });
      expect.unreachable("should have thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      expect((error as EnvError).variable).toBe(variable);
      expect((error as EnvError).message).toContain(variable);
      expect((error as EnvError).message).not.toContain("\n");
    }
  });

  it("accepts a real PostgreSQL URL and coerces numbers and booleans", () => {
    const env = parseEnv({ DATABASE_URL: "postgresql://u:p@db.example:5432/app", PORT: "8080", TRUST_PROXY: "true" });
    expect(env.DATABASE_URL).toBe("postgresql://u:p@db.example:5432/app");
    expect(env.PORT).toBe(8080);
    expect(env.TRUST_PROXY).toBe(true);
  });

  it("requires credentials with an external S3 endpoint", () => {
    expect(() => parseEnv({ S3_ENDPOINT: "https://s3.example.com" })).toThrow(/S3_ACCESS_KEY_ID/);
    const env = parseEnv({ S3_ENDPOINT: "https://s3.example.com", S3_ACCESS_KEY_ID: "a", S3_SECRET_ACCESS_KEY: "b" });
    expect(env.S3_ENDPOINT).toBe("https://s3.example.com");
  });

  it("every variable is documented in .env.example and the README", () => {
    const example = readFileSync(".env.example", "utf8");
    const readme = readFileSync("README.md", "utf8");
    expect(ENV_VARIABLES.filter((v) => !new RegExp(`^#? ?${v}=`, "m").test(example))).toEqual([]);
    expect(ENV_VARIABLES.filter((v) => !readme.includes(v))).toEqual([]);
  });
});

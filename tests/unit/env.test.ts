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

  it("storage: s3 by default; azure needs credentials, named in one line", () => {
    expect(parseEnv({}).STORAGE_BACKEND).toBe("s3");
    const key = Buffer.from("k".repeat(64)).toString("base64");
    const cs = `DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=${key};EndpointSuffix=core.windows.net`;
    expect(parseEnv({ STORAGE_BACKEND: "azure", AZURE_STORAGE_CONNECTION_STRING: cs })).toMatchObject({
      STORAGE_BACKEND: "azure",
      AZURE_STORAGE_CONTAINER: "video-help-desk",
    });
    expect(parseEnv({ STORAGE_BACKEND: "azure", AZURE_STORAGE_ACCOUNT: "acct1", AZURE_STORAGE_KEY: key })).toMatchObject({
      AZURE_STORAGE_ACCOUNT: "acct1",
    });
    const refused = (source: Record<string, string>) => {
      try {
        parseEnv(source);
      } catch (error) {
        return [(error as EnvError).variable, (error as EnvError).message];
      }
      return null;
    };
    expect(refused({ STORAGE_BACKEND: "gcs" })?.[0]).toBe("STORAGE_BACKEND");
    expect(refused({ STORAGE_BACKEND: "azure" })).toEqual([
      "AZURE_STORAGE_CONNECTION_STRING",
      expect.stringContaining(
        "STORAGE_BACKEND=azure needs AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY",
      ),
    ]);
    expect(refused({ STORAGE_BACKEND: "azure", AZURE_STORAGE_ACCOUNT: "acct1" })?.[0]).toBe("AZURE_STORAGE_KEY");
    expect(
      refused({ STORAGE_BACKEND: "azure", AZURE_STORAGE_CONNECTION_STRING: "SharedAccessSignature=sv=x;BlobEndpoint=https://a" })?.[0],
    ).toBe("AZURE_STORAGE_CONNECTION_STRING");
    expect(refused({ STORAGE_BACKEND: "azure", AZURE_STORAGE_CONNECTION_STRING: cs, AZURE_STORAGE_ACCOUNT: "acct1" })?.[0]).toBe(
      "AZURE_STORAGE_CONNECTION_STRING",
    );
    expect(refused({ STORAGE_BACKEND: "azure", AZURE_STORAGE_CONNECTION_STRING: cs, S3_SSE: "AES256" })?.[0]).toBe("S3_SSE");
    expect(refused({ AZURE_STORAGE_CONTAINER: "No_Such" })?.[0]).toBe("AZURE_STORAGE_CONTAINER");
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

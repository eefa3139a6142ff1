// The error catalog: every code has its status, every error class the app raises is answered through it, and
// anything unknown is a 500 INTERNAL that leaks nothing.
import { describe, expect, it } from "vitest";
import { EnvError } from "@/lib/config/env";
import { badRequest, conflict, type DomainError, forbidden, insufficientStorage, notFound } from "@/lib/domain/result";
import { answerFor, ERROR_CODES, FAILURE_KINDS, type ErrorCode } from "@/lib/errors/catalog";
import { RecorderControlError } from "@/recorder/control/control-client";
import { BodyTooLargeError } from "@/recorder/whip/http-io";
import { WhipHttpError } from "@/recorder/whip/whip-types";
import { MigrationError } from "@/server/platform/database/migrate";
import { ComposeError, MissingTrackError } from "@/server/recordings/compose/compose-recording";
import { FfmpegError } from "@/server/recordings/compose/ffmpeg-runner";
import { FfprobeError } from "@/server/recordings/compose/ffprobe";
import { UploadVerificationError } from "@/server/recordings/compose/upload-sink";

describe("error catalog", () => {
  it("gives every client code an HTTP error status", () => {
    const statuses = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status]));
    expect(statuses).toEqual({
      BAD_REQUEST: 400,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      CONFLICT: 409,
      RATE_LIMITED: 429,
      INSUFFICIENT_STORAGE: 507,
      UNAVAILABLE: 503,
      INTERNAL: 500,
    });
  });

  it("answers domain refusals with their own code, status and message", () => {
    const cases: [DomainError, ErrorCode, number][] = [
      [badRequest("title: too long"), "BAD_REQUEST", 400],
      [forbidden("only the host"), "FORBIDDEN", 403],
      [notFound("no such recording"), "NOT_FOUND", 404],
      [conflict("already recording"), "CONFLICT", 409],
      [insufficientStorage("disk full"), "INSUFFICIENT_STORAGE", 507],
    ];
    for (const [error, code, status] of cases) {
      expect(answerFor(error)).toEqual({ code, status, message: error.message, expected: true });
    }
  });

  it("maps every error class of ingest, compositing, storage and start-up to its catalog entry, without its details", () => {
    const raised: [Error, keyof typeof FAILURE_KINDS][] = [
      [new EnvError("PORT", "must be a port"), "config.invalid"],
      [new MigrationError("checksum mismatch"), "database.migration-failed"],
      [new WhipHttpError(422, "no-codec", "no usable codec"), "ingest.refused"],
      [new BodyTooLargeError(65536), "ingest.body-too-large"],
      [new RecorderControlError(502, "bad-gateway", "recorder down"), "ingest.recorder-unreachable"],
      [new FfmpegError("ffmpeg-not-found", "spawn ffmpeg ENOENT", { stderrTail: [] }), "compositing.tool-missing"],
      [new FfmpegError("ffmpeg-failed", "exit 1: secret path /data/x", { exitCode: 1, stderrTail: ["boom"] }), "compositing.tool-failed"],
      [new FfprobeError("ffprobe-not-found", "no ffprobe"), "compositing.tool-missing"],
      [new FfprobeError("ffprobe-failed", "bad file"), "compositing.tool-failed"],
      [new ComposeError("empty-recording", "nothing captured"), "compositing.empty-recording"],
      [
        new MissingTrackError([{ trackId: "s/track0-video", file: "a/s/track0-video.webm", reason: "ENOENT" }]),
        "compositing.track-missing",
      ],
      [new UploadVerificationError("recordings/x/movie.mp4", 10, 3), "storage.upload-unverified"],
    ];
    const seen = new Set<string>();
    for (const [error, kind] of raised) {
      expect((error as Error & { kind: string }).kind, error.constructor.name).toBe(kind);
      const answer = answerFor(error);
      const code = FAILURE_KINDS[kind].code;
      expect(answer).toMatchObject({ code, status: ERROR_CODES[code].status, expected: false });
      expect(answer.message).not.toContain(error.message);
      seen.add(kind);
    }
    // Every failure kind but the database's (detected from driver errors below) has a class that raises it.
    expect([...seen].sort()).toEqual(
      Object.keys(FAILURE_KINDS)
        .filter((k) => k !== "database.unreachable")
        .sort(),
    );
  });

  it("answers an unreachable database with UNAVAILABLE and anything unknown with INTERNAL", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(answerFor(refused)).toMatchObject({ code: "UNAVAILABLE", status: 503, expected: false });
    expect(answerFor({ meta: { driverAdapterError: { cause: { code: "57P01" } } } })).toMatchObject({ code: "UNAVAILABLE" });
    for (const unknown of [new TypeError("x is undefined"), "a string", null, undefined, { code: "BAD_REQUEST", message: "forged" }]) {
      expect(answerFor(unknown)).toEqual({ code: "INTERNAL", status: 500, message: "the request failed; try again", expected: false });
    }
  });
});

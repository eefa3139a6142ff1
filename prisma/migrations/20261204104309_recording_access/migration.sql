-- CreateTable
CREATE TABLE "RecordingAccess" (
    "id" TEXT NOT NULL,
    "recordingId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "detail" TEXT,
    "actorId" TEXT NOT NULL,
    "actorUsername" TEXT NOT NULL,
    "actorRole" TEXT NOT NULL,
    "clientIp" TEXT NOT NULL,
    "userAgent" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RecordingAccess_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RecordingAccess_recordingId_at_idx" ON "RecordingAccess"("recordingId", "at");

-- CreateIndex
CREATE INDEX "RecordingAccess_at_idx" ON "RecordingAccess"("at");

-- Append-only: no route, job or person edits the trail. The retention purge alone deletes, and only entries past
-- their retention, inside a transaction that first runs SET LOCAL vhd.audit_purge = 'on'.
CREATE FUNCTION "recording_access_append_only"() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('vhd.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the recording access trail is append-only (% refused)', TG_OP;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER "RecordingAccess_no_update_or_delete" BEFORE UPDATE OR DELETE ON "RecordingAccess"
  FOR EACH ROW EXECUTE FUNCTION "recording_access_append_only"();
CREATE TRIGGER "RecordingAccess_no_truncate" BEFORE TRUNCATE ON "RecordingAccess"
  FOR EACH STATEMENT EXECUTE FUNCTION "recording_access_append_only"();

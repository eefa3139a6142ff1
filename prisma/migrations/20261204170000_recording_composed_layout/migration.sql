-- The layout a recording's stored movie was made with: a failed re-composite (a layout chosen after the fact)
-- keeps the movie made before, ready, with its layout.
ALTER TABLE "Recording" ADD COLUMN "composedLayout" JSONB;

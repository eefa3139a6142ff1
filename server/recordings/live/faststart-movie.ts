// The movie at Stop from the fragments file the rendering node kept (init + every window, in order): the faststart
// header built from the fragments' sample tables, then their sample bytes copied as they are. No demuxing and no
// remuxing by ffmpeg, whose `-c copy +faststart` reads and writes the whole movie twice (see faststart-mp4.ts).
import { open } from "node:fs/promises";
import { faststartHeader, mdatPayloadRanges, SampleTables } from "@/server/recordings/live/faststart-mp4";

const COPY_CHUNK = 4 << 20;

/** Top-level boxes of a file, read by their headers only: [start, size, type]. */
async function* topLevelBoxes(file: Awaited<ReturnType<typeof open>>, length: number) {
  const head = Buffer.alloc(16);
  for (let at = 0; at + 8 <= length; ) {
    await file.read(head, 0, 16, at);
    let size = head.readUInt32BE(0);
    const type = head.toString("latin1", 4, 8);
    if (size === 1) size = Number(head.readBigUInt64BE(8));
    else if (size === 0) size = length - at;
    if (size < 8 || at + size > length) throw new Error(`malformed fragments file: box ${type} at ${at} runs past the end`);
    yield { start: at, size, type };
    at += size;
  }
}

/** `minBytes`: the header padded as faststartHeader pads it (the movie a streamed upload makes: live-movie-upload.ts). */
export async function writeFaststartMovie(
  fragmentsFile: string,
  outFile: string,
  o: { minBytes?: number } = {},
): Promise<{ bytes: number }> {
  const input = await open(fragmentsFile, "r");
  try {
    const length = (await input.stat()).size;
    const read = async (start: number, size: number) => {
      const buf = Buffer.alloc(size);
      await input.read(buf, 0, size, start);
      return buf;
    };
    const init: Buffer[] = [];
    let tables: SampleTables | null = null;
    let pending: { start: number; size: number } | null = null;
    const payload: { start: number; end: number }[] = [];
    for await (const box of topLevelBoxes(input, length)) {
      if (box.type === "ftyp" || box.type === "moov") init.push(await read(box.start, box.size));
      else if (box.type === "moof") pending = { start: box.start, size: box.size };
      else if (box.type === "mdat") {
        if (!pending) throw new Error("malformed fragments file: an mdat without its moof");
        // One window's pair at a time: a few hundred kB, whatever the recording's length.
        const pair = await read(pending.start, box.start + box.size - pending.start);
        tables ??= new SampleTables(Buffer.concat(init));
        tables.add(pair);
        for (const r of mdatPayloadRanges(pair)) payload.push({ start: pending.start + r.start, end: pending.start + r.end });
        pending = null;
      }
    }
    if (!tables) throw new Error("the fragments file holds no media");
    const header = faststartHeader(Buffer.concat(init), tables, o);
    const out = await open(outFile, "w");
    try {
      await out.write(header, 0, header.length, 0);
      let written = header.length;
      const buf = Buffer.alloc(COPY_CHUNK);
      for (const r of payload) {
        for (let at = r.start; at < r.end; ) {
          const n = Math.min(COPY_CHUNK, r.end - at);
          const { bytesRead } = await input.read(buf, 0, n, at);
          if (bytesRead !== n) throw new Error("the fragments file ended early");
          await out.write(buf, 0, n, written);
          written += n;
          at += n;
        }
      }
      return { bytes: written };
    } finally {
      await out.close();
    }
  } finally {
    await input.close();
  }
}

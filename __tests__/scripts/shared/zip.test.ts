import { crc32, makeZip, type ZipEntry } from "../../../scripts/shared/zip";
import { inflateRawSync } from "node:zlib";

interface ReadEntry {
  readonly name: string;
  readonly data: Buffer;
  readonly crc: number;
  readonly dosDate: number;
}

/** Reads a zip through its central directory, as unzip tools do: an independent check of the writer. */
function readZip(zip: Buffer): ReadEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ReadEntry[] = [];
  for (let index = 0; index < count; index++) {
    expect(zip.readUInt32LE(offset)).toBe(0x02014b50);
    const method = zip.readUInt16LE(offset + 10);
    const dosDate = zip.readUInt16LE(offset + 14);
    const crc = zip.readUInt32LE(offset + 16);
    const compressed = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString("utf8");
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compressed);
    entries.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw), crc, dosDate });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

describe("the archive stand-in's zip", () => {
  const entries: ZipEntry[] = [
    { name: "index.js.map", data: Buffer.from('{"version":3}') },
    { name: "index.js", data: Buffer.from("exports.handler=async()=>{};\n".repeat(50)) },
    { name: "empty.txt", data: Buffer.alloc(0) },
  ];

  test("holds every file, sorted by name, with its bytes and CRC-32, at 1980-01-01 like the archive provider", () => {
    const read = readZip(makeZip(entries));
    expect(read.map((entry) => entry.name)).toEqual(["empty.txt", "index.js", "index.js.map"]);
    for (const entry of read) {
      const original = entries.find((candidate) => candidate.name === entry.name);
      expect(entry.data.equals(original?.data ?? Buffer.alloc(1))).toBe(true);
      expect(entry.crc).toBe(crc32(entry.data));
      expect(entry.dosDate).toBe((1 << 5) | 1);
    }
  });

  test("is byte-identical whatever order the files come in", () => {
    expect(makeZip(entries).equals(makeZip([...entries].reverse()))).toBe(true);
  });

  test("computes the standard CRC-32", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
  });
});

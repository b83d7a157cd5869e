// Recognising a file by its first bytes, never by its name.

/** The formats masklab stores. Everything else is refused with a reason. */
export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'heic'] as const;
export type ImageFormat = (typeof SUPPORTED_FORMATS)[number];
export const SUPPORTED_LABEL = 'JPEG, PNG, WebP, AVIF or HEIC';

export type Sniffed =
  | { kind: 'image'; format: ImageFormat }
  | { kind: 'zip' }
  | { kind: 'unsupported'; name: string }
  | { kind: 'unknown'; hint: string };

const ascii = (b: Uint8Array, start: number, end: number) => Buffer.from(b.subarray(start, end)).toString('latin1');

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** ISO-BMFF (HEIF family) brand check: major brand, then compatible brands. */
function sniffFtyp(b: Uint8Array): Sniffed | null {
  if (b.length < 16 || ascii(b, 4, 8) !== 'ftyp') return null;
  const size = Math.min(b.length, new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0));
  const brands = [ascii(b, 8, 12)];
  for (let o = 16; o + 4 <= size; o += 4) brands.push(ascii(b, o, o + 4));
  if (brands.some((x) => AVIF_BRANDS.has(x))) return { kind: 'image', format: 'avif' };
  if (brands.some((x) => HEIC_BRANDS.has(x))) return { kind: 'image', format: 'heic' };
  if (brands.includes('mif1') || brands.includes('msf1')) return { kind: 'image', format: 'heic' };
  if (brands.some((x) => /^(qt {2}|isom|mp4\d|M4V |3gp\d)$/.test(x))) return { kind: 'unsupported', name: 'video (MP4/MOV)' };
  return { kind: 'unsupported', name: `ISO media "${brands[0]}"` };
}

export function sniff(b: Uint8Array): Sniffed {
  if (b.length === 0) return { kind: 'unknown', hint: 'the file is empty (0 bytes)' };
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { kind: 'image', format: 'jpeg' };
  if (b.length >= 8 && ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n') return { kind: 'image', format: 'png' };
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return { kind: 'image', format: 'webp' };
  const ftyp = sniffFtyp(b);
  if (ftyp) return ftyp;
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5 || b[2] === 7)) return { kind: 'zip' };
  if (b.length >= 6 && /^GIF8[79]a$/.test(ascii(b, 0, 6))) return { kind: 'unsupported', name: 'GIF' };
  if (b.length >= 2 && ascii(b, 0, 2) === 'BM') return { kind: 'unsupported', name: 'BMP' };
  if (b.length >= 4 && (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*')) return { kind: 'unsupported', name: 'TIFF' };
  if (b.length >= 4 && ascii(b, 0, 4) === '%PDF') return { kind: 'unsupported', name: 'PDF' };
  if (b.length >= 4 && b[0] === 0x1f && b[1] === 0x8b) return { kind: 'unsupported', name: 'gzip archive' };
  if (b.length >= 12 && b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0x0c && ascii(b, 4, 8) === 'jP  ') {
    return { kind: 'unsupported', name: 'JPEG 2000' };
  }
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0x0a) return { kind: 'unsupported', name: 'JPEG XL' };
  const head = b.subarray(0, 512);
  const printable = head.filter((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128).length;
  if (printable / head.length > 0.95) {
    return { kind: 'unknown', hint: /^\s*<svg|^\s*<\?xml/i.test(ascii(head, 0, head.length)) ? 'SVG is not supported' : 'it looks like text' };
  }
  return { kind: 'unknown', hint: 'its content is not a known image format' };
}

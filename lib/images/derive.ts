// What is served: JPEGs re-encoded from decoded pixels, so no EXIF (GPS included), XMP, IPTC or
// ICC data can survive, and the orientation is already applied.
import sharp from 'sharp';
import type { RgbImage } from './decode';

export const DISPLAY_MAX_SIDE = 2048;
export const THUMB_MAX_SIDE = 320;

function jpeg(rgb: RgbImage, maxSide: number, quality: number): Promise<Buffer> {
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality })
    .toBuffer();
}

/** The display copy (longest side ≤ 2048 px) and the thumbnail (≤ 320 px) of a photo. */
export async function deriveImages(rgb: RgbImage): Promise<{ display: Buffer; thumb: Buffer }> {
  const [display, thumb] = await Promise.all([jpeg(rgb, DISPLAY_MAX_SIDE, 88), jpeg(rgb, THUMB_MAX_SIDE, 80)]);
  return { display, thumb };
}

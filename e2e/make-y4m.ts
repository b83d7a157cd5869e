// Builds the fake webcam for Chromium (--use-file-for-fake-video-capture): a Y4M video
// (4:2:0) whose frames show a fixture group photo, letterboxed to 640x480, at `fps` frames a second (Chromium
// plays the file at its declared rate: a real webcam gives 30).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export async function makeY4m(image: string, out: string, width = 640, height = 480, frames = 10, fps = 10): Promise<void> {
  const { data } = await sharp(image)
    .rotate()
    .resize(width, height, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const Y = Buffer.alloc(width * height);
  const U = Buffer.alloc((width / 2) * (height / 2));
  const V = Buffer.alloc((width / 2) * (height / 2));
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = [data[i * 3], data[i * 3 + 1], data[i * 3 + 2]];
    Y[i] = Math.max(0, Math.min(255, Math.round(0.299 * r + 0.587 * g + 0.114 * b)));
  }
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) {
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const i = ((y * 2 + dy) * width + (x * 2 + dx)) * 3;
        r += data[i]; g += data[i + 1]; b += data[i + 2];
      }
      r /= 4; g /= 4; b /= 4;
      const j = y * (width / 2) + x;
      U[j] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
      V[j] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
    }
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const frame = Buffer.concat([Buffer.from('FRAME\n'), Y, U, V]);
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) parts.push(frame);
  fs.writeFileSync(out, Buffer.concat(parts));
}

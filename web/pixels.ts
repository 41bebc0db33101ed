// Digits to and from pixels: the 28x28 MNIST normalisation, a drawing pad and dropped images.

const MEAN = 0.1307, STD = 0.3081;

/** A normalised 28x28 digit as a small canvas. */
export function digitCanvas(x: Float32Array): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = c.height = 28;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.max(0, Math.min(255, Math.round((x[i]! * STD + MEAN) * 255)));
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

/** Grey levels of a canvas scaled into 28x28, light-on-dark, normalised like the training digits. */
function toDigit(src: CanvasImageSource, w: number, h: number, invert: boolean): Float32Array {
  const c = document.createElement('canvas');
  c.width = c.height = 28;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = invert ? 'white' : 'black';
  ctx.fillRect(0, 0, 28, 28);
  const s = 20 / Math.max(w, h); // MNIST digits sit in a 20x20 box inside the 28x28 frame
  ctx.drawImage(src, 14 - (w * s) / 2, 14 - (h * s) / 2, w * s, h * s);
  const d = ctx.getImageData(0, 0, 28, 28).data;
  const out = new Float32Array(784);
  for (let i = 0; i < 784; i++) {
    const g = (d[4 * i]! + d[4 * i + 1]! + d[4 * i + 2]!) / 3 / 255;
    out[i] = ((invert ? 1 - g : g) - MEAN) / STD;
  }
  return out;
}

export function drawPad(c: HTMLCanvasElement) {
  const ctx = c.getContext('2d')!;
  const clear = () => {
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, c.width, c.height);
  };
  clear();
  let down = false;
  const at = (e: PointerEvent) => [e.offsetX * (c.width / c.clientWidth), e.offsetY * (c.height / c.clientHeight)] as const;
  c.addEventListener('pointerdown', (e) => {
    down = true;
    ctx.beginPath();
    ctx.moveTo(...at(e));
  });
  c.addEventListener('pointermove', (e) => {
    if (!down) return;
    ctx.lineTo(...at(e));
    ctx.strokeStyle = 'white';
    ctx.lineWidth = c.width / 12;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.stroke();
  });
  for (const ev of ['pointerup', 'pointerleave']) c.addEventListener(ev, () => (down = false));
  return { clear, digit: () => toDigit(c, c.width, c.height, false), canvas: c };
}

/** A dropped image (any size): dark-on-light images are inverted to MNIST's light-on-dark. */
export async function imageToDigit(f: Blob): Promise<Float32Array> {
  const bmp = await createImageBitmap(f);
  const c = document.createElement('canvas');
  c.width = bmp.width;
  c.height = bmp.height;
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let mean = 0;
  for (let i = 0; i < d.length; i += 4) mean += (d[i]! + d[i + 1]! + d[i + 2]!) / 3;
  const light = mean / (d.length / 4) > 127;
  return toDigit(bmp, bmp.width, bmp.height, light);
}

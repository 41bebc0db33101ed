// The memory-accuracy frontier as a self-contained SVG: one line per selection curve, the
// paper's points as labelled diamonds, our 8-bit model as a dashed rule, axes with ticks and
// titles, a legend. Written by hand (about a hundred lines) so that plotting adds no runtime
// dependency; any SVG viewer or browser renders it.

export interface PlotPoint {
  series: string;
  savingPct: number;
  top1: number;
}

export interface PlotMarker {
  label: string;
  savingPct: number;
  top1: number;
}

const W = 720, H = 470, M = { left: 64, right: 24, top: 64, bottom: 120 };
const COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#9d755d', '#bab0ac'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number) => String(Math.round(v * 100) / 100);

/** "Nice" tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step + 0); // + 0 turns -0 into 0
  return out;
}

export function frontierSvg(points: PlotPoint[], markers: PlotMarker[], title: string, subtitle: string, baseline: number): string {
  const ys = [...points.map((p) => p.top1), ...markers.map((m) => m.top1), baseline].filter(Number.isFinite);
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const pad = Math.max((y1 - y0) * 0.08, 0.25);
  const yTicks = niceTicks(y0 - pad, y1 + pad);
  [y0, y1] = [Math.min(yTicks[0]!, y0 - pad), Math.max(yTicks.at(-1)!, y1 + pad)];
  // x from 0 to the next multiple of 10 above the largest saving (at least 40: the paper's 37.5 %)
  const X_DOMAIN: [number, number] = [0, Math.max(40, Math.ceil(Math.max(...points.map((p) => p.savingPct), ...markers.map((m) => m.savingPct)) / 10) * 10)];
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const sx = (v: number) => M.left + ((v - X_DOMAIN[0]) / (X_DOMAIN[1] - X_DOMAIN[0])) * pw;
  const sy = (v: number) => M.top + (1 - (v - y0) / (y1 - y0)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${M.left}" y="40" fill="#555">${esc(subtitle)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#ddd"/>`,
  ];
  for (const t of niceTicks(...X_DOMAIN, X_DOMAIN[1] / 5)) {
    out.push(`<line x1="${num(sx(t))}" y1="${M.top}" x2="${num(sx(t))}" y2="${M.top + ph}" stroke="#eee"/>`,
      `<text x="${num(sx(t))}" y="${M.top + ph + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<line x1="${M.left}" y1="${num(sy(t))}" x2="${M.left + pw}" y2="${num(sy(t))}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${num(sy(t) + 4)}" text-anchor="end">${num(t)}</text>`);
  }
  out.push(`<line x1="${M.left}" y1="${M.top + ph}" x2="${M.left + pw}" y2="${M.top + ph}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${M.top + ph + 36}" text-anchor="middle" font-weight="bold">kernel-weight memory saved vs 8-bit (%)</text>`,
    `<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" font-weight="bold">top-1 (%)</text>`,
    `<line x1="${M.left}" y1="${num(sy(baseline))}" x2="${M.left + pw}" y2="${num(sy(baseline))}" stroke="#888" stroke-dasharray="4 4"/>`);
  const series = [...new Set(points.map((p) => p.series))];
  series.forEach((name, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = points.filter((p) => p.series === name).sort((a, b) => a.savingPct - b.savingPct);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${num(sx(p.savingPct))},${num(sy(p.top1))}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${num(sx(p.savingPct))}" cy="${num(sy(p.top1))}" r="3" fill="white" stroke="${color}" stroke-width="2"><title>${esc(`${name}: ${num(p.savingPct)} % saved, ${num(p.top1)} %`)}</title></circle>`);
    const lx = M.left + (i % 2) * (pw / 2), ly = M.top + ph + 58 + Math.floor(i / 2) * 16;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/><text x="${lx + 24}" y="${ly}">${esc(name)}</text>`);
  });
  for (const m of markers) {
    const x = sx(m.savingPct), y = sy(m.top1), r = 7;
    out.push(`<path d="M${num(x)},${num(y - r)}L${num(x + r)},${num(y)}L${num(x)},${num(y + r)}L${num(x - r)},${num(y)}Z" fill="black"/>`,
      `<text x="${num(x - 10)}" y="${num(y - 10)}" text-anchor="end">${esc(m.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

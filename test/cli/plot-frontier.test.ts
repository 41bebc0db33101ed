// The hand-written frontier SVG: a curve per series, the paper's points, axes and labels.

import { describe, expect, it } from 'vitest';
import { frontierSvg, niceTicks } from '../../src/cli/plot-frontier.js';

describe('frontier SVG', () => {
  const points = [
    { series: 'error (knapsack)', savingPct: 0, top1: 91.7 }, { series: 'error (knapsack)', savingPct: 37.5, top1: 89.2 }, { series: 'error (knapsack)', savingPct: 20, top1: 91.4 },
    { series: 'entropy <&>', savingPct: 0, top1: 91.7 }, { series: 'entropy <&>', savingPct: 30, top1: 90.1 },
  ];
  const markers = [{ label: 'paper DoubleQExt (-1.19 pts)', savingPct: 23.05, top1: 90.52 }, { label: 'paper DoubleQ (-7.28 pts)', savingPct: 37.5, top1: 84.43 }];
  const svg = frontierSvg(points, markers, 'top-1 vs memory', 'dashed: 8-bit', 91.71);

  it('draws one polyline per series, points sorted by saving, a diamond per paper point, the dashed 8-bit rule', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number)));
    expect(lines.map((l) => l.length)).toEqual([3, 2]);
    for (const l of lines) expect(l.map((p) => p[0])).toEqual([...l.map((p) => p[0]!)].sort((a, b) => a - b));
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg.match(/<path d="M[^"]+Z" fill="black"\/>/g)).toHaveLength(2);
    expect(svg).toMatch(/stroke-dasharray="4 4"/);
    // higher top-1 is drawn higher (smaller y)
    const [a, b] = lines[0]!;
    expect(a![1]).toBeLessThan(b![1]!);
  });

  it('labels the axes, the paper points and the legend, escaping text', () => {
    for (const s of ['kernel-weight memory saved vs 8-bit (%)', 'top-1 (%)', 'paper DoubleQExt (-1.19 pts)', 'paper DoubleQ (-7.28 pts)', 'error (knapsack)', 'entropy &lt;&amp;&gt;', 'top-1 vs memory'])
      expect(svg).toContain(s);
    expect(svg).not.toContain('entropy <&>');
    for (const t of [0, 10, 20, 30, 40]) expect(svg).toContain(`text-anchor="middle">${t}</text>`);
  });

  it('the x axis follows the data beyond 40 %', () => {
    const wide = frontierSvg([...points, { series: 'error (knapsack)', savingPct: 50, top1: 88 }], markers, 't', 's', 91.71);
    expect(wide).toContain('text-anchor="middle">50</text>');
    const xs = [...wide.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...xs)).toBeLessThanOrEqual(720 - 24); // inside the plot area
  });

  it('nice ticks', () => {
    expect(niceTicks(0, 40, 8)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
    expect(niceTicks(83.9, 92.3)).toEqual([84, 86, 88, 90, 92]);
    expect(niceTicks(1, 1)).toEqual([1]);
  });
});

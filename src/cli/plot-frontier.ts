// The memory-accuracy frontier as an SVG (vega-lite, rendered headless by vega).

import * as vega from 'vega';
import * as vl from 'vega-lite';

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

export async function frontierSvg(points: PlotPoint[], markers: PlotMarker[], title: string, subtitle: string, baseline: number): Promise<string> {
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    width: 560,
    height: 360,
    background: 'white',
    layer: [
      {
        data: { values: [{ y: baseline }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: points },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: { field: 'savingPct', type: 'quantitative', title: 'kernel-weight memory saved vs 8-bit (%)', scale: { domain: [0, 50] } },
          y: { field: 'top1', type: 'quantitative', title: 'top-1 (%)', scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: 'selection', legend: { labelLimit: 400, orient: 'bottom-left' } },
          order: { field: 'savingPct', type: 'quantitative' },
        },
      },
      {
        data: { values: markers },
        mark: { type: 'point', shape: 'diamond', size: 140, filled: true, color: 'black' },
        encoding: { x: { field: 'savingPct', type: 'quantitative' }, y: { field: 'top1', type: 'quantitative' } },
      },
      {
        data: { values: markers },
        mark: { type: 'text', align: 'right', dx: -8, dy: -8, fontSize: 11 },
        encoding: { x: { field: 'savingPct', type: 'quantitative' }, y: { field: 'top1', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

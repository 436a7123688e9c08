// The dashboard charts (uPlot): block interval, transactions per block, tx/s.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BlockSummary } from './api';

export interface Chart {
  update(blocks: BlockSummary[]): void;
}

type Series = (blocks: BlockSummary[]) => [number[], number[]];

function make(el: HTMLElement, label: string, color: string, series: Series): Chart {
  let plot: uPlot | null = null;
  const width = () => Math.max(240, el.clientWidth - 8);
  new ResizeObserver(() => plot?.setSize({ width: width(), height: 160 })).observe(el);
  return {
    update(blocks) {
      const data = series(blocks);
      if (!plot) {
        plot = new uPlot(
          {
            width: width(),
            height: 160,
            legend: { show: false },
            scales: { x: { time: false } },
            axes: [{ label: 'height' }, { label, size: 50 }],
            series: [{ label: 'height' }, { label, stroke: color, width: 2, fill: `${color}22` }],
          },
          data,
          el,
        );
      } else {
        plot.setData(data);
      }
    },
  };
}

/// Oldest first, and only consecutive heights (the list comes newest first).
function ascending(blocks: BlockSummary[]): BlockSummary[] {
  return [...blocks].sort((a, b) => a.height - b.height);
}

export function intervalChart(el: HTMLElement): Chart {
  return make(el, 'block interval (s)', '#2563eb', (blocks) => {
    const b = ascending(blocks);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 1; i < b.length; i++) {
      xs.push(b[i].height);
      ys.push((b[i].timestamp_ms - b[i - 1].timestamp_ms) / 1000);
    }
    return [xs, ys];
  });
}

export function txsChart(el: HTMLElement): Chart {
  return make(el, 'txs per block', '#16a34a', (blocks) => {
    const b = ascending(blocks);
    return [b.map((x) => x.height), b.map((x) => x.tx_count)];
  });
}

/// Transactions per second over a sliding window of 10 blocks.
export function tpsChart(el: HTMLElement): Chart {
  return make(el, 'tx/s (10 blocks)', '#9333ea', (blocks) => {
    const b = ascending(blocks);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 1; i < b.length; i++) {
      const j = Math.max(0, i - 10);
      const secs = (b[i].timestamp_ms - b[j].timestamp_ms) / 1000;
      let txs = 0;
      for (let k = j + 1; k <= i; k++) txs += b[k].tx_count;
      xs.push(b[i].height);
      ys.push(secs > 0 ? txs / secs : 0);
    }
    return [xs, ys];
  });
}

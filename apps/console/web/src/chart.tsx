import type { Bucket } from './api';
import { clock, count } from './format';

const W = 960;
const H = 170;
const PAD = { left: 36, right: 8, top: 10, bottom: 22 };

/** Deliveries and throttled requests per bucket for one platform, as paired bars. */
export function DeliveryChart({ platformId, buckets, bucketSeconds }: { platformId: string; buckets: Bucket[]; bucketSeconds: number }) {
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.delivered, b.throttled, b.failed)));
  const top = niceCeiling(max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(2, (slot - 6) / 2);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const totals = buckets.reduce((t, b) => ({ delivered: t.delivered + b.delivered, throttled: t.throttled + b.throttled, failed: t.failed + b.failed }), { delivered: 0, throttled: 0, failed: 0 });
  const label = `${platformId}: ${totals.delivered} delivered, ${totals.throttled} throttled, ${totals.failed} failed in the last hour, per ${bucketSeconds / 60} minutes`;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      {[0, 0.5, 1].map((f) => (
        <g key={f}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(top * f)} y2={y(top * f)} class="grid" />
          <text x={PAD.left - 6} y={y(top * f) + 4} class="axis" text-anchor="end">
            {count(Math.round(top * f))}
          </text>
        </g>
      ))}
      {buckets.map((b, i) => {
        const x = PAD.left + i * slot + 3;
        return (
          <g key={b.start}>
            <rect x={x} y={y(b.delivered)} width={barW} height={Math.max(0, y(0) - y(b.delivered))} class="bar-delivered">
              <title>{`${clock(b.start)} UTC: ${b.delivered} delivered`}</title>
            </rect>
            <rect x={x + barW} y={y(b.throttled)} width={barW} height={Math.max(0, y(0) - y(b.throttled))} class="bar-throttled">
              <title>{`${clock(b.start)} UTC: ${b.throttled} throttled (429)`}</title>
            </rect>
            {b.failed > 0 && (
              <circle cx={x + barW} cy={y(b.failed)} r={3.5} class="dot-failed">
                <title>{`${clock(b.start)} UTC: ${b.failed} failed for good`}</title>
              </circle>
            )}
            {i % 3 === 0 && (
              <text x={x + barW} y={H - 6} class="axis" text-anchor="middle">
                {clock(b.start)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

function niceCeiling(n: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (n <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

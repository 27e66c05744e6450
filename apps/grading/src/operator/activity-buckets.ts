import type { ActivityBucket } from '../ledger/operator-read-model.repository';

export interface PlatformSeries {
  platformId: string;
  buckets: Array<{ start: string; delivered: number; throttled: number; failed: number }>;
}

/**
 * One series per platform with every bucket from `since` to `now` present
 * (zeros where nothing happened), so a chart's x axis is the same for all
 * platforms and a quiet interval shows as quiet rather than missing.
 */
export function platformSeries(rows: ActivityBucket[], since: Date, now: Date, bucketSeconds: number): PlatformSeries[] {
  const step = bucketSeconds * 1000;
  const first = Math.floor(since.getTime() / step) * step;
  const starts: number[] = [];
  for (let t = first; t <= now.getTime(); t += step) starts.push(t);
  const byPlatform = new Map<string, Map<number, ActivityBucket>>();
  for (const row of rows) {
    const series = byPlatform.get(row.platformId) ?? new Map<number, ActivityBucket>();
    series.set(row.start.getTime(), row);
    byPlatform.set(row.platformId, series);
  }
  return [...byPlatform.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([platformId, series]) => ({
      platformId,
      buckets: starts.map((t) => {
        const b = series.get(t);
        return { start: new Date(t).toISOString(), delivered: b?.delivered ?? 0, throttled: b?.throttled ?? 0, failed: b?.failed ?? 0 };
      }),
    }));
}

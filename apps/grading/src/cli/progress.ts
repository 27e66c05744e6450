import { Presets, SingleBar } from 'cli-progress';

/** What the runner tells about its progress; a terminal shows a bar, anything else nothing. */
export interface Progress {
  start(phase: 'validating' | 'publishing', total: number): void;
  advance(amount: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start: () => undefined, advance: () => undefined, stop: () => undefined };

const FORMATS = {
  validating: 'validating [{bar}] {percentage}% | ETA {eta_formatted}',
  publishing: 'publishing [{bar}] {percentage}% | {value}/{total} scores | ETA {eta_formatted}',
} as const;

/** A progress bar on stderr, so stdout keeps only the summary; off when stderr is not a terminal. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  let bar: SingleBar | undefined;
  return {
    start(phase, total) {
      bar?.stop();
      bar = new SingleBar({ stream, format: FORMATS[phase], hideCursor: true, etaBuffer: 50, fps: 5 }, Presets.shades_classic);
      bar.start(total, 0);
    },
    advance(amount) {
      bar?.increment(amount);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

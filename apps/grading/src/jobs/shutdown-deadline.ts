/**
 * The last resort of a SIGTERM: every hook is bounded by SHUTDOWN_TIMEOUT_MS,
 * but should one hang anyway (a socket that never closes), the process still
 * ends, with status 1 so the forced stop shows, well before Kubernetes'
 * SIGKILL would hide why. Only for the process entry point: an app built
 * inside a test runner must never exit its host.
 */
export function exitIfShutdownHangs(timeoutMs: number, graceMs = 10_000): void {
  const arm = (signal: NodeJS.Signals) => {
    const timer = setTimeout(() => {
      process.stderr.write(`${JSON.stringify({ level: 'error', app: 'grading', msg: `shutdown did not finish within ${timeoutMs + graceMs} ms of ${signal}; exiting` })}\n`);
      process.exit(1);
    }, timeoutMs + graceMs);
    timer.unref();
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}

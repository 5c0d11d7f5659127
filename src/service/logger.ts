/**
 * The service's logger: pino, JSON lines on stderr (stdout stays free for command output).
 * Quiet by default (warnings and errors only); `--verbose` shows the node's life (bind, online,
 * world updates, state writes) and core traces. Writes are synchronous so the last lines before
 * an exit are never lost; the service logs little, so this costs nothing that matters.
 */
import { pino, type Logger } from 'pino';

export type ServiceLogger = Logger;

export function createLogger(verbose: boolean, fd = 2): ServiceLogger {
  return pino(
    { level: verbose ? 'debug' : 'warn', base: { pid: process.pid }, name: 'tierzero' },
    pino.destination({ fd, sync: true }),
  );
}

/** A logger that drops everything (tests). */
export function silentLogger(): ServiceLogger {
  return pino({ level: 'silent' });
}

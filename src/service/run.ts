/**
 * Runs the service as a process: start, stop cleanly on SIGINT/SIGTERM (sockets closed, state
 * flushed, exit 0; a second signal or 5 s without finishing forces the exit), report
 * FatalErrors as one message on stderr with their exit code — never a stack trace.
 */
import { FatalError } from './fatal-error.js';
import { type ServiceDeps, type ServiceOptions, productionDeps, startService } from './compose.js';

const HARD_EXIT_MS = 5_000;

export interface RunIo {
  stderr(text: string): void;
}

const processIo: RunIo = { stderr: (t) => process.stderr.write(t) };

/** Starts the service and resolves with the exit code once it has stopped. */
export async function runService(options: ServiceOptions, io: RunIo = processIo, deps?: ServiceDeps): Promise<number> {
  let service;
  try {
    service = await startService(options, deps ?? (await productionDeps(options.verbose ?? false)));
  } catch (e) {
    if (e instanceof FatalError) {
      io.stderr(`tierzero: fatal error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  const onSignal = (signal: NodeJS.Signals) => {
    if (service.stopRequested) {
      io.stderr(`tierzero: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    service.log.info(`${signal}: stopping`);
    setTimeout(() => {
      io.stderr(`tierzero: did not stop within ${HARD_EXIT_MS / 1000} s, exiting\n`);
      process.exit(1);
    }, HARD_EXIT_MS).unref();
    void service.stop(0);
  };
  const ignore = () => {};
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', ignore);
  const code = await service.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', ignore);
  return code;
}

/**
 * A startup or runtime failure the user must fix (bad config, unreadable identity, port in
 * use). The CLI prints `message` alone — never a stack trace — and exits with `exitCode`.
 * Anything else that escapes is a bug and keeps its stack.
 */
export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'FatalError';
  }
}

/** Short text of an unknown thrown value (for wrapping OS errors into FatalError messages). */
export function describeError(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    return String((e as { message: unknown }).message);
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * The one timer that drives the core: run processBackgroundTasks, sleep until the deadline it
 * returns, repeat. Received packets may create work sooner than that deadline (a WHOIS to
 * retry, a reply queued), so after a burst of packets the tasks run once more — coalesced per
 * event-loop turn with setImmediate, so a flood of datagrams costs one extra call, not one per
 * datagram — and the timer is re-armed only if the deadline moved.
 */

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate(fn: () => void): unknown;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
};

/** Never sleep longer than this, whatever the core says (guards against a wrong clock). */
const MAX_SLEEP_MS = 10_000;

export class BackgroundTimer {
  private handle: unknown;
  private armedFor = Infinity;
  private pokePending = false;
  private stopped = true;
  runs = 0;

  constructor(
    private readonly runTasks: (now: number) => number,
    private readonly clock: () => number,
    private readonly timers: Timers = realTimers,
  ) {}

  start(): void {
    this.stopped = false;
    this.run();
  }

  /** Call after handing packets to the core. */
  poke(): void {
    if (this.pokePending || this.stopped) return;
    this.pokePending = true;
    this.timers.setImmediate(() => {
      this.pokePending = false;
      if (!this.stopped) this.run();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = Infinity;
  }

  /** When the timer will next fire (absolute ms), or Infinity. */
  get nextDeadline(): number {
    return this.armedFor;
  }

  private run(): void {
    const now = this.clock();
    this.runs++;
    const deadline = this.runTasks(now);
    if (this.stopped) return;
    this.arm(Number.isFinite(deadline) ? deadline : now + MAX_SLEEP_MS, now);
  }

  private arm(deadline: number, now: number): void {
    const at = Math.min(Math.max(deadline, now), now + MAX_SLEEP_MS);
    if (this.handle !== undefined) {
      if (at === this.armedFor) return;
      this.timers.clearTimeout(this.handle);
    }
    this.armedFor = at;
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      this.armedFor = Infinity;
      if (!this.stopped) this.run();
    }, at - now);
  }
}

/**
 * Runs iproute2's `ip` for address and route changes on network ports. A tiny seam so the
 * reconciler can be tested without a kernel: tests hand in a recorder.
 */
import { execFile } from 'node:child_process';

export interface IpCommandResult {
  ok: boolean;
  /** stderr (or the spawn error) when not ok. */
  error: string;
}

export interface IpCommandRunner {
  run(args: readonly string[]): Promise<IpCommandResult>;
}

const TIMEOUT_MS = 10_000;

export const iproute2: IpCommandRunner = {
  run(args) {
    return new Promise((resolve) => {
      execFile('ip', [...args], { timeout: TIMEOUT_MS, encoding: 'utf8' }, (err, _stdout, stderr) => {
        if (!err) resolve({ ok: true, error: '' });
        else resolve({ ok: false, error: (stderr || err.message).trim() });
      });
    });
  },
};

/**
 * A tiny network lab out of Linux network namespaces, for kernel-level tests of the service:
 * namespaces named `tzt<pid>x<random>-<role>`, a bridge in a hub namespace, veth pairs, and
 * iptables inside the namespaces. Nothing is created in the host's own namespace, so the tests
 * never touch the machine's real interfaces, and all traffic stays inside the lab.
 *
 * Everything the lab creates is removed by `destroy()`; `removeLeftovers()` deletes namespaces
 * of earlier runs whose process is gone (a test killed mid-way), never those of a live run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const LAB_PREFIX = 'tzt';
const LEFTOVER = /^tzt(\d+)x[0-9a-f]+-/;

/** Run a command; throws with its stderr on failure. */
export function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

function works(cmd: string, args: string[]): string | undefined {
  try {
    execFileSync(cmd, args, { stdio: 'pipe', timeout: 10_000 });
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

/** Why the lab cannot run here, or undefined if it can. */
export function labUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'needs root (creates network namespaces)';
  if (works('ip', ['-V'])) return '`ip` (iproute2) is not installed';
  if (works('iptables', ['-V'])) return '`iptables` is not installed';
  const probe = `${LAB_PREFIX}${process.pid}x${randomBytes(3).toString('hex')}-probe`;
  const fail = works('ip', ['netns', 'add', probe]);
  if (fail) return `cannot create a network namespace: ${fail}`;
  try {
    const nat = works('ip', ['netns', 'exec', probe, 'iptables', '-t', 'nat', '-L', '-n']);
    if (nat) return `iptables NAT does not work in a namespace: ${nat}`;
  } finally {
    works('ip', ['netns', 'del', probe]);
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Delete namespaces left by lab runs whose process no longer exists. */
export function removeLeftovers(): string[] {
  const removed: string[] = [];
  for (const line of sh('ip', ['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = LEFTOVER.exec(name);
    if (m && !pidAlive(Number(m[1]))) {
      works('ip', ['netns', 'del', name]);
      removed.push(name);
    }
  }
  return removed;
}

export class Lab {
  readonly id = `${LAB_PREFIX}${process.pid}x${randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];

  ns(role: string): string {
    return `${this.id}-${role}`;
  }

  addNamespace(role: string): string {
    const name = this.ns(role);
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.in(role, 'ip', ['link', 'set', 'lo', 'up']);
    return name;
  }

  /** Run a command inside a namespace of this lab. */
  in(role: string, cmd: string, args: string[]): string {
    return sh('ip', ['netns', 'exec', this.ns(role), cmd, ...args]);
  }

  addBridge(hubRole: string, bridge: string): void {
    this.in(hubRole, 'ip', ['link', 'add', bridge, 'type', 'bridge']);
    this.in(hubRole, 'ip', ['link', 'set', bridge, 'up']);
  }

  /** A veth pair from the hub's bridge to `eth<n>` in `role`, with an address (cidr). */
  plugIntoBridge(hubRole: string, bridge: string, port: string, role: string, dev: string, cidr: string): void {
    this.in(hubRole, 'ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', dev, 'netns', this.ns(role)]);
    this.in(hubRole, 'ip', ['link', 'set', port, 'master', bridge, 'up']);
    this.in(role, 'ip', ['addr', 'add', cidr, 'dev', dev]);
    this.in(role, 'ip', ['link', 'set', dev, 'up']);
  }

  /** A direct veth link between two namespaces. */
  link(roleA: string, devA: string, cidrA: string, roleB: string, devB: string, cidrB: string): void {
    this.in(roleA, 'ip', ['link', 'add', devA, 'type', 'veth', 'peer', 'name', devB, 'netns', this.ns(roleB)]);
    this.in(roleA, 'ip', ['addr', 'add', cidrA, 'dev', devA]);
    this.in(roleA, 'ip', ['link', 'set', devA, 'up']);
    this.in(roleB, 'ip', ['addr', 'add', cidrB, 'dev', devB]);
    this.in(roleB, 'ip', ['link', 'set', devB, 'up']);
  }

  /** Packets counted by the first rule of `chain` (in `table`) matching `comment`. */
  iptablesCount(role: string, table: string, chain: string, comment: string): number {
    const out = this.in(role, 'iptables', ['-t', table, '-L', chain, '-n', '-v', '-x']);
    for (const line of out.split('\n')) {
      if (line.includes(`/* ${comment} */`)) return Number(line.trim().split(/\s+/)[0]);
    }
    throw new Error(`no iptables rule "${comment}" in ${role} ${table}/${chain}`);
  }

  /** Delete every namespace of this lab (their veths and bridges go with them). */
  destroy(): void {
    for (const name of this.namespaces.splice(0).reverse()) works('ip', ['netns', 'del', name]);
  }
}

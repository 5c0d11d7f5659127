/**
 * Linux TAP device names as ZeroTier One 1.14 chooses them (service-api.md §8.1): `zt` plus 8
 * base32 characters of 40 bits derived from the network id, so a network gets the same device
 * name on every machine and across restarts (firewall rules and scripts can name it). A trial
 * counter moves to the next name only when one is already taken.
 */

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const LOW_40 = (1n << 40n) - 1n;
const U64 = (1n << 64n) - 1n;

/** `zt` + base32 of the low 40 bits of (nwid ^ (nwid >> 24)) + trial. */
export function tapDeviceName(nwid: bigint, trial = 0): string {
  const v = (((nwid ^ (nwid >> 24n)) + BigInt(trial)) & U64) & LOW_40;
  let name = 'zt';
  for (let shift = 35n; shift >= 0n; shift -= 5n) name += BASE32[Number((v >> shift) & 31n)];
  return name;
}

/** Trials before giving up (the reference loops until a free name; 256 is plenty). */
const MAX_TRIALS = 256;

/**
 * The first free name for the network. `taken(name)` says whether a device of that name exists
 * (ZeroTier looks under /proc/sys/net/ipv4/conf/). A legacy `devicemap` entry wins when its
 * device is not present.
 */
export function chooseTapDeviceName(nwid: bigint, taken: (name: string) => boolean, deviceMap?: Map<bigint, string>): string | undefined {
  const mapped = deviceMap?.get(nwid);
  if (mapped !== undefined && !taken(mapped)) return mapped;
  for (let trial = 0; trial < MAX_TRIALS; trial++) {
    const name = tapDeviceName(nwid, trial);
    if (!taken(name)) return name;
  }
  return undefined;
}

/** `devicemap` lines `<nwid hex>=<ifname>`; malformed lines are ignored. */
export function parseDeviceMap(text: string): Map<bigint, string> {
  const map = new Map<bigint, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([0-9a-fA-F]{16})\s*=\s*([A-Za-z0-9_.-]{1,15})\s*$/.exec(line);
    if (m) map.set(BigInt(`0x${m[1]}`), m[2]!);
  }
  return map;
}

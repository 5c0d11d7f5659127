/**
 * chr: a comma list of characteristic names or bit numbers 0..63, OR-ed into a 64-bit mask
 * printed as 16 hex digits.
 *
 * The reference builds the mask from signed 32-bit halves, so bit 31 or 63 combined with another
 * bit of the same half prints a corrupt mask (`chr inbound,multicast` gives 4000000000000000,
 * m-chr-sign-bug). TierZero keeps the halves unsigned and prints the mask the user asked for.
 */
import type { MatchParser } from './match-parser.js';
import { fail } from '../syntax-error.js';
import { inRange, parseNum } from '../numbers.js';

/** Names of characteristic bits (exact case); 0 is the least significant bit. */
const CHARACTERISTIC_BITS: ReadonlyMap<string, number> = new Map([
  ['inbound', 63],
  ['multicast', 62],
  ['broadcast', 61],
  ['ipauth', 60],
  ['macauth', 59],
  ['tcp_fin', 0],
  ['tcp_syn', 1],
  ['tcp_rst', 2],
  ['tcp_psh', 3],
  ['tcp_ack', 4],
  ['tcp_urg', 5],
  ['tcp_ece', 6],
  ['tcp_cwr', 7],
  ['tcp_ns', 8],
  ['tcp_rs2', 9],
  ['tcp_rs1', 10],
  ['tcp_rs0', 11],
]);

function hex8(half: number): string {
  return (half >>> 0).toString(16).padStart(8, '0');
}

export const characteristics: MatchParser = {
  argCount: 1,
  parse([arg], { not, or }) {
    let high = 0;
    let low = 0;
    for (const piece of arg.text.split(/,+/)) {
      if (piece.length === 0) continue;
      const bit = CHARACTERISTIC_BITS.get(piece) ?? parseNum(piece);
      if (!inRange(bit, 0, 63)) fail(arg, 'Invalid bit index (range 0-63) or unrecognized name.');
      if (bit >= 32) high |= 1 << (bit - 32);
      else low |= 1 << bit;
    }
    return { type: 'MATCH_CHARACTERISTICS', not, or, mask: hex8(high) + hex8(low) };
  },
};

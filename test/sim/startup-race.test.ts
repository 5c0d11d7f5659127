/**
 * Scenario 7: two nodes that start together and talk at once. A root verifies one new identity
 * per source /24 every 2 s, so when both sit in one /24 (here A and B's NAT) one of them comes
 * online a HELLO round (5 s) later; the root then relays the first packet between them and
 * introduces them (RENDEZVOUS) before the slower one knows the other's identity. ZeroTier drops
 * that introduction and the pair stays relayed until the next one, 30 s later; TierZero holds it
 * while it asks WHOIS and punches as soon as the identity arrives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNet } from './sim-net.js';

test('sim: nodes starting together in one /24 go direct right after both are online (no 30 s wait for a second introduction)', () => {
  const times: number[] = [];
  for (let seed = 1; seed <= 8; seed++) {
    const net = new SimNet({ seed });
    // Jitter varies which of the racing packets arrives first.
    net.fabric.impairments = { loss: 0, duplicate: 0, delayMs: 1, jitterMs: 20 };
    const a = net.add('a', { ip: '60.0.0.2', port: 9993 }, net.takeIdentity());
    const nat = net.fabric.addNatPreset('port-restricted-cone', '60.0.0.3');
    const b = net.add('b', { ip: '10.9.0.2', port: 9993 }, net.takeIdentity(), {}, nat);
    const start = net.now;
    for (let i = 0; i < 240 && !(a.hasDirectPathTo(b) && b.hasDirectPathTo(a)); i++) {
      if (i % 2 === 0) a.send(b, `a${i}`);
      else b.send(a, `b${i}`);
      net.run(250);
    }
    times.push(net.now - start);
  }
  if (process.env.SIM_VERBOSE) console.log(`start to direct: ${times.join(', ')} ms`);
  // Online after the second HELLO round (5 s), direct within a second after that.
  for (const [i, t] of times.entries()) assert.ok(t <= 6_500, `seed ${i + 1}: direct after ${t} ms`);
});

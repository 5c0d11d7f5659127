/**
 * Identity costs: generation and validation (the memory-hard hash dominates both), then the
 * per-operation cost of signatures and key agreement through node:crypto with cached KeyObjects.
 * Reference figures on this machine: validation about 28 ms, generation 200-450 ms.
 */
import { Identity, memoryHardDigest } from '../src/core/vl1/identity.js';
import { c25519Generate, c25519Sign, c25519Verify } from '../src/core/vl1/c25519.js';
import { fmt, median, opsPerSecond } from './timing.js';

function timeMs(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function runs(n: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(timeMs(fn));
  return out;
}

const GENERATE_RUNS = 10;
const VALIDATE_RUNS = 50;

Identity.generate(); // warm-up
const identities: Identity[] = [];
const generateMs = runs(GENERATE_RUNS, () => identities.push(Identity.generate()));
console.log(`Identity.generate        median ${fmt(median(generateMs))} ms  (min ${fmt(Math.min(...generateMs))}, max ${fmt(Math.max(...generateMs))}, ${GENERATE_RUNS} runs)`);

const subject = identities[0].publicOnly();
memoryHardDigest(subject.publicKey); // warm-up
const validateMs = runs(VALIDATE_RUNS, () => {
  // a fresh object each time: locallyValidate() memoizes its answer per instance
  const copy = new Identity(subject.address, subject.publicKey);
  if (!copy.locallyValidate()) throw new Error('generated identity does not validate');
});
console.log(`Identity.locallyValidate median ${fmt(median(validateMs))} ms  (min ${fmt(Math.min(...validateMs))}, ${VALIDATE_RUNS} runs)`);

const signer = identities[1];
const peer = identities[2];
const message = new Uint8Array(256).fill(7);
const signature = signer.sign(message);
const verifier = signer.publicOnly();
console.log(`Identity.sign            ${fmt(opsPerSecond(() => signer.sign(message)), 0)} ops/s (256-byte message)`);
console.log(`Identity.verify          ${fmt(opsPerSecond(() => verifier.verify(message, signature)), 0)} ops/s`);
console.log(`Identity.agree           ${fmt(opsPerSecond(() => signer.agree(peer)), 0)} ops/s`);
const raw = c25519Generate();
const rawSig = c25519Sign(raw.privateKey, message);
console.log(`c25519Sign (raw key)     ${fmt(opsPerSecond(() => c25519Sign(raw.privateKey, message)), 0)} ops/s (KeyObject built per call)`);
console.log(`c25519Verify (raw key)   ${fmt(opsPerSecond(() => c25519Verify(raw.publicKey, message, rawSig)), 0)} ops/s (cached KeyObject)`);

/** VL2 codecs: dictionary reads/writes of a real network config, rule list decode/encode, MAC derivation. */
import { hexToBytes } from '../src/core/vl1/bytes.js';
import { Dictionary, DictionaryBuilder } from '../src/core/vl2/dictionary.js';
import { decodeRules, encodeRules } from '../src/core/vl2/rules-codec.js';
import { addressFromMac, macFromAddress, NetworkMacSpace } from '../src/core/vl2/mac.js';
import { loadVectors } from '../test/helpers/vectors.js';
import { fmt, opsPerSecond } from './timing.js';

const netconf = loadVectors('vl2-netconf.json');
const rulesVectors = loadVectors('vl2-rules.json');

const dictBytes = hexToBytes(netconf.full.dictionaryHex);
const numericKeys = ['v', 'nwid', 'ts', 'ctmd', 'r', 'id', 'tt', 'tl', 'f', 'ml', 't', 'mtu', 'ssov'];
const blobKeys = ['C', 'CAP', 'TAG', 'COO', 'S', 'RT', 'I', 'R', 'DNS'];

const readOps = opsPerSecond(() => {
  const r = Dictionary.parse(dictBytes);
  if (!r.ok) throw r.error;
  for (const k of numericKeys) r.value.getU64(k);
  for (const k of blobKeys) r.value.getBytes(k);
  r.value.getString('n');
});
console.log(`dictionary parse + read all keys of the 'full' config (${dictBytes.length} B): ${fmt(readOps, 0)} ops/s`);

const parsed = Dictionary.parse(dictBytes);
if (!parsed.ok) throw parsed.error;
const values = [...numericKeys, ...blobKeys, 'n'].map((k) => [k, parsed.value.getBytes(k)!] as const);
const writeOps = opsPerSecond(() => {
  const b = new DictionaryBuilder();
  for (const [k, v] of values) b.add(k, v);
  b.toBytes();
});
console.log(`dictionary build of the same entries: ${fmt(writeOps, 0)} ops/s`);

const allRules = hexToBytes(rulesVectors.allRulesConcatenated);
const decoded = decodeRules(allRules);
if (!decoded.ok) throw decoded.error;
const decOps = opsPerSecond(() => decodeRules(allRules));
console.log(`rules decode (${decoded.value.length} rules, ${allRules.length} B): ${fmt(decOps, 0)} lists/s`);
const encOps = opsPerSecond(() => encodeRules(decoded.value));
console.log(`rules encode (${decoded.value.length} rules): ${fmt(encOps, 0)} lists/s`);

let sink = 0;
const macOps = opsPerSecond(() => {
  for (let i = 0; i < 100; i++) sink += addressFromMac(macFromAddress(0xcf9d611776 + i, 0x8c0dc01ba4000001n), 0x8c0dc01ba4000001n);
});
console.log(`MAC derive + reverse: ${fmt(macOps * 100, 0)} pairs/s${sink < 0 ? '!' : ''}`);
const space = new NetworkMacSpace(0x8c0dc01ba4000001n);
const spaceOps = opsPerSecond(() => {
  for (let i = 0; i < 100; i++) sink += space.addressFromMac(space.macFromAddress(0xcf9d611776 + i));
});
console.log(`MAC derive + reverse with a precomputed NetworkMacSpace: ${fmt(spaceOps * 100, 0)} pairs/s${sink < 0 ? '!' : ''}`);

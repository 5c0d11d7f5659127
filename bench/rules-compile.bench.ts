/**
 * Rules compiler: compile time of the example shipped with ZeroTier's rule compiler and of a
 * generated source of 1000 rule statements (tags, a capability, macros, every match family).
 */
import { compileRules, formatCompilerDocument, toCompilerDocument } from '../src/rules/index.js';
import { loadVectors } from '../test/helpers/vectors.js';
import { fmt, opsPerSecond } from './timing.js';

const example = (loadVectors('rules-compiler.json').cases as { name: string; source: string }[]).find(
  (c) => c.name === 'example-capabilities-and-tags',
)!.source;

/** 1000 statements cycling through every kind of match, plus the definitions they use. */
function generatedSource(statements: number): string {
  const lines = [
    'tag dept id 100 enum 1 eng enum 2 ops enum 3 sales default 1;',
    'tag level id 101 flag 0 read flag 1 write flag read,write rw;',
    'macro web($port) accept ipprotocol tcp dport $port;;',
    'cap admin id 7 default include web(22) accept ipprotocol udp dport 161-162;;',
  ];
  const shapes = [
    (i: number) => `drop not ethertype ipv4 and not ethertype arp and not ethertype ipv6 or vlan ${i % 4096};`,
    (i: number) => `accept ipsrc 10.${i % 256}.0.0/16 ipdest fd00::${(i % 65535).toString(16)}/128;`,
    (i: number) => `tee ${i % 1500} deadbeef11 chr tcp_syn,tcp_ack and not chr inbound;`,
    (i: number) => `accept sport 1024-65535 dport ${i % 65536} framesize 64-1500;`,
    (i: number) => `accept tdiff dept 0 tand level rw teq ${i} ${i + 1};`,
    (i: number) => `drop macsrc 02:00:00:00:${(i % 256).toString(16).padStart(2, '0')}:01 ztdest deadbeef${(i % 100).toString().padStart(2, '0')};`,
    (i: number) => `break iptos 0xfc ${i % 64}-63 icmp 8 -1 random 0.${i % 10};`,
    (i: number) => `include web(${(i % 60000) + 1})`,
    (i: number) => `redirect 0123456789 ipprotocol ${i % 256};`,
  ];
  for (let i = 0; i < statements; i++) lines.push(shapes[i % shapes.length](i));
  lines.push('accept;');
  return lines.join('\n') + '\n';
}

const generated = generatedSource(1000);

for (const [label, source] of [
  ['shipped example (capabilities-and-tags.ztrules)', example],
  ['generated 1000 statements', generated],
] as const) {
  const result = compileRules(source);
  if (!result.ok) throw new Error(`${label}: ${JSON.stringify(result.errors)}`);
  const compileOps = opsPerSecond(() => compileRules(source));
  const printOps = opsPerSecond(() => {
    const r = compileRules(source);
    if (r.ok) formatCompilerDocument(toCompilerDocument(r));
  });
  console.log(
    `${label}: ${source.length} chars -> ${result.rules.length} rules; ` +
      `compile ${fmt(1e6 / compileOps, 1)} us (${fmt(compileOps, 0)}/s), compile + JSON ${fmt(1e6 / printOps, 1)} us`,
  );
}

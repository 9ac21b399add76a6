// `agentnet bench ingest`: the receive path's CPU per entry on real node processes against the crypto cost of
// the same entries (bench/ingest.ts); `--crypto-of DB` is the child that measures that crypto cost.

import { statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { measureCrypto } from '../../bench/ingest-crypto.js';
import {
  ANNOUNCE_PARTS,
  floorMain,
  RECEIVE_PARTS,
  type AnnouncePart,
  type ReceivePart,
} from '../../bench/ingest-floor.js';
import { runIngest, type IngestResult } from '../../bench/ingest.js';
import { barChart, stack } from '../runtime/plot/svg.js';
import { loadProfile } from '../runtime/profile.js';
import { intFlag, UsageError } from './args.js';

export const BENCH_INGEST_HELP = `Usage: agentnet bench ingest [--rate 50,200] [--seconds 20] [--pattern trickle|burst] [--publishers 4]
                              [--profile P] [--broker URL] [--profile-stages] [--keep-profile DIR] [--bundle MJS]
                              [--floor] [--json FILE] [--plot FILE.svg]

Starts one observer and --publishers publishers, each a real 'agentnet run' process with the profile's Node
flags, over a broker the bench embeds (or --broker URL, e.g. Mosquitto). The publishers announce signed
'state' entries through their local API at --rate entries/s in all (a comma list runs each rate in turn),
evenly spaced (trickle) or once a second all at once (burst), for --seconds; the observer follows the topic.
Reports the observer's CPU time per received entry (/proc utime+stime; its idle CPU measured just before,
also taken out), the publishers' CPU per announced entry, and in the same run a child process of the same
runtime verifying (single and batched) and signing the very entries the observer stored: the ratios are
pipeline / crypto. --profile-stages runs the observer under --cpu-prof and splits its samples into
transport, decode, verify, store, events, gc, native; --keep-profile DIR (implies it) also keeps that profile as
DIR/observer-RATE.cpuprofile, to be read per function (e.g. in Chrome DevTools). --bundle runs the nodes from another build's dist/agentnet.mjs
(two builds compared by the same harness). --floor runs, beside the nodes and from this build, the floor of
each path (bench/ingest-floor.ts): a bare receiver on the observer's header topic that decodes, verifies and
stores each entry in SQLite with the node's commit window, and a bare announcer the stream drives at one
publisher's rate that signs, appends durably (FULL), publishes and answers each POST; reported beside the nodes.
--floor-parts (implies --floor) also runs one process per part of each floor (receive: read, window, decode,
verify; announce: http, encode, sign, store), each doing the floor's work up to that part, to split its CPU.
The load (uptime) at start and end is printed and in --json.
Exit codes: 0 done, 2 usage error, 3 runtime failure.
Example: agentnet bench ingest --rate 50,200 --seconds 30 --json ingest.json --plot ingest.svg`;

function table(rs: readonly IngestResult[]): string {
  const head = [
    'rate, pattern',
    'received / sent',
    'observer ms/entry (over idle)',
    'verify single / batch ms',
    'observer / verify single (batch)',
    'publisher ms/entry',
    'sign+verify ms',
    'publisher / (sign+verify)',
    'observer idle ms/min',
  ];
  const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;
  const rows = [row(head), `|---|${'---:|'.repeat(head.length - 1)}`];
  for (const r of rs)
    rows.push(
      row([
        `${r.stream.rate}/s ${r.stream.pattern}`,
        `${r.received} / ${r.announced}`,
        `${r.observer.cpuMsPerEntry} (${r.observer.cpuMsPerEntryOverIdle})`,
        `${r.crypto.verifySingleMs} / ${r.crypto.verifyBatchMs}`,
        `${r.ratios.observerOverVerifySingle}x (${r.ratios.observerOverVerify}x)`,
        r.publisher.cpuMsPerEntry,
        (r.crypto.signMs + r.crypto.verifySingleMs).toFixed(4),
        `${r.ratios.publisherOverSignVerify}x`,
        r.observer.idleCpuMsPerMin,
      ]),
    );
  return rows.join('\n');
}

function floorTable(rs: readonly IngestResult[]): string {
  const head = [
    'rate',
    'floor received (same as observer: missing / extra)',
    'observer / floor / verify ms',
    'observer / verify',
    'floor / verify',
    'observer / floor',
    'publisher / announce floor / sign+verify ms',
    'publisher / (sign+verify)',
    'floor / (sign+verify)',
    'publisher / floor',
    'load 1 min (start, end)',
  ];
  const rows = [`| ${head.join(' | ')} |`, `|---|${'---:|'.repeat(head.length - 1)}`];
  for (const r of rs) {
    const f = r.floor;
    if (!f) continue;
    const sv = r.crypto.signMs + r.crypto.verifySingleMs;
    const same = f.receive.sameAsObserver;
    const cells = [
      `${r.stream.rate}/s`,
      `${f.receive.stored} (${same.missing} / ${same.extra})`,
      `${r.observer.cpuMsPerEntry} / ${f.receive.cpuMsPerEntry} / ${r.crypto.verifySingleMs}`,
      `${r.ratios.observerOverVerifySingle}x`,
      `${f.ratios.receiveOverVerifySingle}x`,
      `${f.ratios.observerOverFloor}x`,
      `${r.publisher.cpuMsPerEntry} / ${f.announce.cpuMsPerEntry} / ${sv.toFixed(4)}`,
      `${r.ratios.publisherOverSignVerify}x`,
      `${f.ratios.announceOverSignVerify}x`,
      `${f.ratios.publisherOverFloor}x`,
      `${r.load.loadAvg1Start.toFixed(1)}, ${r.load.loadAvg1End.toFixed(1)}`,
    ];
    rows.push(`| ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

export function benchIngestSvg(rs: readonly IngestResult[]): string {
  const cats = rs.map(
    (r) =>
      `${r.stream.rate}/s ${r.stream.pattern} (load ${r.load.loadAvg1Start.toFixed(1)}-${r.load.loadAvg1End.toFixed(1)})`,
  );
  return stack([
    barChart({
      title: `Receive path vs crypto, ms of CPU per entry (${rs[0]!.device.cpu}, profile ${rs[0]!.device.profile})`,
      yLabel: 'ms/entry',
      categories: cats,
      series: [
        { name: 'observer', values: rs.map((r) => r.observer.cpuMsPerEntry) },
        { name: 'verify single', values: rs.map((r) => r.crypto.verifySingleMs) },
        { name: 'publisher', values: rs.map((r) => r.publisher.cpuMsPerEntry) },
        { name: 'sign + verify', values: rs.map((r) => r.crypto.signMs + r.crypto.verifySingleMs) },
        ...(rs.every((r) => r.floor)
          ? [
              { name: 'receive floor', values: rs.map((r) => r.floor!.receive.cpuMsPerEntry) },
              { name: 'announce floor', values: rs.map((r) => r.floor!.announce.cpuMsPerEntry) },
            ]
          : []),
      ],
      valueLabels: true,
      width: 760,
    }),
    ...(rs.every((r) => r.floor)
      ? [
          barChart({
            title: 'Ratios: node and floor over their crypto, node over floor (targets 2.5x receive, 3x announce)',
            yLabel: 'x',
            categories: cats,
            series: [
              { name: 'observer / verify', values: rs.map((r) => r.ratios.observerOverVerifySingle) },
              { name: 'receive floor / verify', values: rs.map((r) => r.floor!.ratios.receiveOverVerifySingle) },
              { name: 'observer / floor', values: rs.map((r) => r.floor!.ratios.observerOverFloor) },
              { name: 'publisher / (sign+verify)', values: rs.map((r) => r.ratios.publisherOverSignVerify) },
              { name: 'announce floor / (sign+verify)', values: rs.map((r) => r.floor!.ratios.announceOverSignVerify) },
              { name: 'publisher / floor', values: rs.map((r) => r.floor!.ratios.publisherOverFloor) },
            ],
            valueLabels: true,
            width: 760,
          }),
        ]
      : []),
  ]);
}

export async function cmdBenchIngest(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      pattern: { type: 'string' },
      publishers: { type: 'string' },
      broker: { type: 'string' },
      bundle: { type: 'string' },
      'profile-stages': { type: 'boolean' },
      'keep-profile': { type: 'string' },
      'crypto-of': { type: 'string' },
      floor: { type: 'boolean' },
      'floor-receive': { type: 'string' },
      'floor-announce': { type: 'boolean' },
      'floor-part': { type: 'string' },
      'floor-parts': { type: 'boolean' },
      db: { type: 'string' },
      json: { type: 'string' },
      plot: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(BENCH_INGEST_HELP);
    return 0;
  }
  const profile = values.profile ?? 'generic-x64';
  if (values['crypto-of']) {
    console.log(JSON.stringify(measureCrypto(values['crypto-of'], profile)));
    return 0;
  }
  if (values['floor-receive'] !== undefined || values['floor-announce']) {
    if (!values.broker || !values.db) throw new UsageError('a floor process needs --broker and --db');
    const kind = values['floor-announce'] ? 'announce' : 'receive';
    const parts: readonly string[] = kind === 'receive' ? RECEIVE_PARTS : ANNOUNCE_PARTS;
    const part = values['floor-part'];
    if (part !== undefined && !parts.includes(part))
      throw new UsageError(`--floor-part of the ${kind} floor must be one of ${parts.join(', ')}`);
    const o = {
      ...(part !== undefined ? { part: part as ReceivePart | AnnouncePart } : {}),
      broker: values.broker,
      db: values.db,
      profile: loadProfile(profile),
      topic: values['floor-receive'] ?? '',
    };
    await floorMain(kind, o);
    return 0;
  }
  const pattern = values.pattern ?? 'trickle';
  if (pattern !== 'trickle' && pattern !== 'burst') throw new UsageError('--pattern must be trickle or burst');
  const rates = (values.rate ?? '50,200').split(',').map((r) => intFlag(r, 'rate', 50, 1, 5000));
  const seconds = intFlag(values.seconds, 'seconds', 20, 1, 3600);
  const publishers = intFlag(values.publishers, 'publishers', 4, 1, 32);
  const keep = values['keep-profile'];
  if (keep !== undefined && !statSync(keep, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`--keep-profile: ${keep} is not a directory`);
  const bundle = values.bundle ?? process.argv[1]!;
  const out: IngestResult[] = [];
  for (const rate of rates) {
    console.error(`bench ingest: ${rate}/s ${pattern} for ${seconds} s, ${publishers} publishers ...`);
    out.push(
      await runIngest({
        profile,
        rate,
        seconds,
        pattern,
        publishers,
        ...(values.broker ? { broker: values.broker } : {}),
        profileStages: !!values['profile-stages'] || values['keep-profile'] !== undefined,
        ...(values['keep-profile'] !== undefined ? { keepProfileDir: values['keep-profile'] } : {}),
        bundle,
        ...(values.floor || values['floor-parts']
          ? { floor: { floorBundle: process.argv[1]!, parts: !!values['floor-parts'] } }
          : {}),
      }),
    );
  }
  const d = out[0]!.device;
  console.log(
    `device: ${d.cpu} (${d.cores} cores), node ${d.node}, profile ${d.profile}, broker ${out[0]!.stream.broker}\n`,
  );
  console.log(table(out));
  if (out.some((r) => r.floor)) console.log('\n' + floorTable(out));
  for (const r of out) {
    const ps = r.floor?.parts;
    if (!ps) continue;
    const list = (xs: ReadonlyArray<{ part: string; cpuMsPerEntry: number }>) =>
      xs.map((x) => `${x.part} ${x.cpuMsPerEntry}`).join(', ');
    console.log(
      `floor parts at ${r.stream.rate}/s, ms of CPU per entry up to each part: receive ${list(ps.receive)}; announce ${list(ps.announce)}`,
    );
  }
  for (const r of out)
    if (r.observer.stages)
      console.log(`stages at ${r.stream.rate}/s (ms of sampled CPU, whole run): ${JSON.stringify(r.observer.stages)}`);
  console.log(`\nload at start: ${out[0]!.load.start}\nload at end:   ${out[out.length - 1]!.load.end}`);
  if (values.json) writeFileSync(values.json, JSON.stringify(out, null, 2) + '\n');
  if (values.plot) writeFileSync(values.plot, benchIngestSvg(out) + '\n');
  return 0;
}

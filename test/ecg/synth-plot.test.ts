/** 12-lead plots on ECG paper (lib/report/ecg-plot.ts): layout, scale, and text from the bundled font. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecgPanel, ecgToSvg, panelsToSvg, svgToPng } from '../../lib/report/ecg-plot.ts';
import { synthesizeEcg } from '../../lib/ecg/synth/index.ts';
import { Rng } from '../../lib/util/prng.ts';

const ecg = synthesizeEcg({ codes: ['NORM', 'SR'], heartAxis: '' }, { fs: 250 }, new Rng('plot'));

test('standard layout: 12 labelled leads in 3×4 plus a lead II rhythm strip, 25 mm/s and 10 mm/mV', () => {
  const svg = ecgToSvg(ecg);
  const labels = [...svg.matchAll(/>([^<>]+)<\/text>/g)].map((m) => m[1]);
  for (const lead of ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']) assert.ok(labels.includes(lead), lead);
  assert.equal(labels.filter((l) => l === 'II').length, 2, 'II in the grid and as the rhythm strip');
  const traces = [...svg.matchAll(/<path d="M([\d.]+) ([\d.]+)L([^"]+)" stroke="#111"/g)];
  assert.equal(traces.length, 13);
  // 2.5-s columns are 62.5 mm wide: the first point of I and of aVR are 62.5 mm apart.
  assert.ok(Math.abs(Number(traces[1]![1]) - Number(traces[0]![1]) - 62.5) < 0.01);
  // The rhythm strip spans 10 s = 250 mm (last point 1/fs short of it).
  const strip = traces[12]![3]!.split('L');
  const lastX = Number(strip[strip.length - 1]!.split(' ')[0]);
  assert.ok(Math.abs(lastX - Number(traces[12]![1]) - 250 * (1 - 1 / ecg.signals[1]!.length)) < 0.05);
  // The calibration pulse is 10 mm (1 mV) tall.
  const cal = /<path d="M([\d.]+) ([\d.]+)h1V([\d.]+)h3V/.exec(svg)!;
  assert.ok(Math.abs(Number(cal[2]) - Number(cal[3]) - 10) < 1e-9);
});

test('text renders with the bundled font (no system fonts are loaded)', () => {
  const plain = svgToPng(ecgToSvg(ecg), 2);
  const titled = svgToPng(ecgToSvg({ ...ecg, title: 'A title', lines: ['reference: sinus rhythm. normal ecg.'] }), 2);
  assert.deepEqual([...plain.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.notDeepEqual(plain, titled);
  // Same text → same pixels: rendering is deterministic.
  assert.deepEqual(svgToPng(ecgToSvg({ ...ecg, title: 'A title' }), 2), svgToPng(ecgToSvg({ ...ecg, title: 'A title' }), 2));
});

test('several panels compose into one page, each clipped to its cell', () => {
  const page = panelsToSvg([ecgPanel(ecg), ecgPanel({ ...ecg, title: 'second' })], 2);
  assert.equal((page.match(/<svg x=/g) ?? []).length, 2);
  const titled = ecgPanel({ ...ecg, title: 'second' });
  assert.ok(titled.height > ecgPanel(ecg).height);
  assert.match(page, new RegExp(`viewBox="0 0 ${2 * titled.width} ${titled.height}"`), 'cells as large as the largest panel');
});

/**
 * "Does it look like an ECG?": synthetic records (lib/ecg/synth) next to real PTB-XL records
 * with the same findings, on standard ECG paper.
 *
 *   node --import tsx scripts/plot-synth-vs-real.ts [PTBXL_ROOT] [OUT_DIR]
 *
 * PTBXL_ROOT defaults to /work/shared/data/ptb-xl (the fixture records 3, 318, 256, 267, 310,
 * 296, 41, 17); OUT_DIR to results/figures. Writes synthetic-vs-real-ptbxl.png (normal, AFIB,
 * CLBBB, IMI) and synthetic-vs-real-ptbxl-2.png (CRBBB, LVH, LAFB, AFLT).
 */
import { join } from 'node:path';
import { readRecord } from '../lib/ecg/wfdb/index.ts';
import { synthesizeEcg } from '../lib/ecg/synth/index.ts';
import { ecgPanel, panelsToSvg, svgToPng, type SvgPanel } from '../lib/report/ecg-plot.ts';
import { writeFileAtomic } from '../lib/util/atomic.ts';
import { Rng } from '../lib/util/prng.ts';

interface Pair {
  label: string;
  codes: string[];
  heartAxis: '' | 'LAD' | 'RAD';
  /** A real PTB-XL record with this finding (ecg_id) and its scp_codes. */
  realId: number;
  realCodes: string;
}

const FIGURES: Record<string, Pair[]> = {
  'synthetic-vs-real-ptbxl.png': [
    { label: 'normal', codes: ['NORM', 'SR'], heartAxis: '', realId: 3, realCodes: "{'NORM': 100.0, 'SR': 0.0}" },
    { label: 'atrial fibrillation', codes: ['STD_', 'AFIB'], heartAxis: '', realId: 318, realCodes: "{'NDT': 100.0, 'DIG': 80.0, 'STD_': 0.0, 'AFIB': 0.0}" },
    { label: 'complete LBBB', codes: ['CLBBB', 'PVC', 'SR'], heartAxis: '', realId: 256, realCodes: "{'CLBBB': 100.0, 'PVC': 100.0, 'SR': 0.0}" },
    { label: 'old inferior MI', codes: ['IMI', 'SR'], heartAxis: '', realId: 267, realCodes: "{'IMI': 50.0, 'QWAVE': 0.0, 'SR': 0.0}" },
  ],
  'synthetic-vs-real-ptbxl-2.png': [
    { label: 'complete RBBB + ASMI', codes: ['ASMI', 'CRBBB', 'SR'], heartAxis: '', realId: 310, realCodes: "{'ASMI': 100.0, 'CRBBB': 100.0, 'QWAVE': 0.0, 'SR': 0.0}" },
    { label: 'LVH with strain', codes: ['LVH', 'STD_', 'INVT', 'SR'], heartAxis: '', realId: 296, realCodes: "{'LVH': 100.0, 'ISC_': 100.0, 'STD_': 0.0, 'SR': 0.0}" },
    { label: 'LAFB', codes: ['LAFB', 'SR'], heartAxis: 'LAD', realId: 41, realCodes: "{'LAFB': 100.0, 'SR': 0.0}, heart_axis ALAD" },
    { label: 'atrial flutter', codes: ['AFLT'], heartAxis: 'LAD', realId: 17, realCodes: "{'AFLT': 100.0, 'ABQRS': 0.0, 'AFIB': 0.0}, heart_axis ALAD" },
  ],
};

const root = process.argv[2] ?? '/work/shared/data/ptb-xl';
const outDir = process.argv[3] ?? 'results/figures';

for (const [file, pairs] of Object.entries(FIGURES)) {
  const panels: SvgPanel[] = [];
  for (const pair of pairs) {
    const synthetic = synthesizeEcg({ codes: pair.codes, heartAxis: pair.heartAxis }, { fs: 500 }, new Rng(`figure/${pair.label}`));
    const codes = `${pair.codes.join(', ')}${pair.heartAxis ? `; heart_axis ${pair.heartAxis}` : ''}`;
    panels.push(ecgPanel({ ...synthetic, title: `SYNTHETIC (meit-kit): ${pair.label} - ${codes}` }));
    const id = String(pair.realId).padStart(5, '0');
    const real = await readRecord(join(root, 'records500', '00000', `${id}_hr`));
    panels.push(
      ecgPanel({
        fs: real.header.fs,
        leads: real.header.signals.map((s) => s.description),
        signals: real.physical,
        title: `REAL PTB-XL ecg_id ${pair.realId}: ${pair.realCodes}`,
      }),
    );
  }
  const path = join(outDir, file);
  await writeFileAtomic(path, svgToPng(panelsToSvg(panels, 2), 3));
  process.stdout.write(`wrote ${path}\n`);
}

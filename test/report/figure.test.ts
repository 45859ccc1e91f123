import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import { backboneBars } from '../../lib/report/charts.ts';
import { renderFigure, specToSvg } from '../../lib/report/figure.ts';

const rows = ['gpt2-medium', 'bloom', 'llama-2'].flatMap((backbone, i) =>
  ['MIMIC-IV-ECG', 'PTB-XL'].flatMap((dataset, j) =>
    ['BLEU-4', 'CIDEr-D'].map((metric) => {
      const value = (metric === 'CIDEr-D' ? 4 : 0.5) * (0.8 + 0.05 * i - 0.1 * j);
      return { backbone, dataset, metric, value, lo: value * 0.95, hi: value * 1.05 };
    }),
  ),
);

/** RGBA pixels of a PNG, decoded by drawing it into an SVG with resvg (no PNG decoder needed). */
function decodePng(png: Buffer): { width: number; height: number; pixels: Buffer } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><image width="${width}" height="${height}" href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return { width, height, pixels: new Resvg(svg).render().pixels };
}

describe('renderFigure', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meit-figure-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes an SVG and a non-blank PNG, with identical bytes on a second render', async () => {
    const spec = backboneBars(rows, { subtitle: 'test' });
    const first = await renderFigure(spec, join(dir, 'a'));
    const second = await renderFigure(backboneBars(rows, { subtitle: 'test' }), join(dir, 'b'));
    assert.deepEqual(first, { svg: join(dir, 'a.svg'), png: join(dir, 'a.png') });
    assert.deepEqual((await readdir(dir)).sort(), ['a.png', 'a.svg', 'b.png', 'b.svg']);

    const [svgA, svgB, pngA, pngB] = await Promise.all([first.svg, second.svg, first.png, second.png].map((f) => readFile(f)));
    assert.ok(svgA!.equals(svgB!), 'SVG bytes differ between two renders');
    assert.ok(pngA!.equals(pngB!), 'PNG bytes differ between two renders');

    assert.deepEqual([...pngA!.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { width, height, pixels } = decodePng(pngA!);
    assert.ok(width >= 800 && height >= 500, `PNG too small: ${width}×${height}`);
    let inked = 0;
    const colours = new Set<number>();
    for (let p = 0; p < pixels.length; p += 4) {
      if (pixels[p]! < 200 || pixels[p + 1]! < 200 || pixels[p + 2]! < 200) inked++;
      colours.add(pixels.readUInt32BE(p));
    }
    const share = inked / (width * height);
    assert.ok(share > 0.03 && share < 0.6, `inked share of pixels ${share.toFixed(3)} is not that of a chart`);
    assert.ok(colours.size > 20, `only ${colours.size} colours: no bars, text or anti-aliasing`);
  });

  test('all text is set in the bundled font', async () => {
    const svg = await specToSvg(backboneBars(rows, { title: 'Title' }));
    assert.match(svg, /font-family="DejaVu Sans"/);
    assert.doesNotMatch(svg, /font-family="(?!DejaVu Sans")/);
  });
});

/**
 * A figure's SVG as a vector PDF for LaTeX. pdfkit + svg-to-pdfkit: pure JavaScript from npm (no DOM, no
 * headless browser, no Debian package), and pdfkit embeds a subset of a TrueType font, so the PDF carries its
 * own fonts. (jspdf + svg2pdf.js would need a DOM such as jsdom to parse the SVG.) The figures use DejaVu Sans
 * only (report/figures/style.ts), the same face resvg draws the PNG with.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/local/share/fonts'];
const FACES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

export class FontMissing extends Error {
  override name = 'FontMissing';
}

/** The TrueType files of DejaVu Sans; a clear error when the font package is absent. */
export function dejavuFonts(dirs: readonly string[] = FONT_DIRS): { regular: string; bold: string } {
  for (const dir of dirs) {
    const regular = `${dir}/${FACES.regular}`;
    if (existsSync(regular)) return { regular, bold: existsSync(`${dir}/${FACES.bold}`) ? `${dir}/${FACES.bold}` : regular };
  }
  throw new FontMissing(`DejaVu Sans not found in ${dirs.join(', ')}; install it (Debian: apt-get install fonts-dejavu-core)`);
}

/** Width and height of an SVG document in CSS pixels (= PDF points at 72 dpi, one-to-one). */
export function svgSize(svg: string): { width: number; height: number } {
  const root = svg.match(/<svg\b[^>]*>/)?.[0] ?? '';
  const width = Number(root.match(/\swidth="([\d.]+)/)?.[1]);
  const height = Number(root.match(/\sheight="([\d.]+)/)?.[1]);
  if (!(width > 0 && height > 0)) throw new Error('svg has no numeric width and height on its root element');
  return { width, height };
}

export function svgToPdf(svg: string, title: string): Promise<Buffer> {
  const { width, height } = svgSize(svg);
  const fonts = dejavuFonts();
  const doc = new PDFDocument({ size: [width, height], margin: 0, info: { Title: title, Creator: 'purify-cnn npm run paper' } });
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  SVGtoPDF(doc, svg, 0, 0, {
    width,
    height,
    assumePt: true,
    // Every text run in DejaVu (embedded); never pdfkit's built-in Helvetica, which is not embedded.
    fontCallback: (_family: string, bold: boolean) => (bold ? 'bold' : 'regular'),
  });
  doc.end();
  return done;
}

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DigestParseError, parseDigest, reportInputSchema } from '../../../src/ingest';
import { DIGEST_CAPS } from '../../../src/ingest/caps';
import { CORPUS_DIR, corpusAvailable, describeWithCorpus } from '../../support/corpus';
import { gridDigest as digest } from '../../support/fixtures';

function failure(markdown: string): DigestParseError {
  try {
    parseDigest(markdown, { fileName: 'caps.md' });
  } catch (err) {
    expect(err).toBeInstanceOf(DigestParseError);
    return err as DigestParseError;
  }
  throw new Error('expected a DigestParseError');
}

const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('digest caps (what the cost estimate counts on)', () => {
  it('accept a digest at the caps', () => {
    const sections = DIGEST_CAPS.itemsPerReport / DIGEST_CAPS.itemsPerSection;
    const report = parseDigest(digest(sections, DIGEST_CAPS.itemsPerSection));
    expect(report.sections.reduce((n, s) => n + s.items.length, 0)).toBe(DIGEST_CAPS.itemsPerReport);
  });

  it('refuse a section over itemsPerSection, naming the limit and the first item over it', () => {
    const md = digest(1, DIGEST_CAPS.itemsPerSection + 1);
    const err = failure(md);
    expect(err.reason).toBe(`too many items: a section may hold at most ${DIGEST_CAPS.itemsPerSection} (limit itemsPerSection)`);
    expect(err.field).toBe('sections.0.items');
    expect(err.line).toBe(lineOf(md, '## Section 1'));
  });

  it('refuse a report over itemsPerReport, at the first item over it', () => {
    const md = digest(3, 40);
    const err = failure(md);
    expect(err.message).toBe(`caps.md:line ${lineOf(md, '### Item 3.21\n')}: sections.2.items.20: too many items: a report may hold at most ${DIGEST_CAPS.itemsPerReport} (limit itemsPerReport)`);
  });

  it('refuse an item over sourcesPerItem', () => {
    const md = digest(1, 2, DIGEST_CAPS.sourcesPerItem + 1);
    expect(failure(md).reason).toMatch(/^too many sources: an item may hold at most \d+ \(limit sourcesPerItem\)$/);
  });

  it('refuse publisher JSON over the caps the same way', () => {
    const item = (i: number) => ({ title: `Item ${i}` });
    const base = { slug: 'caps', title: 'Caps', date: '2026-01-01' };
    const tooManySections = reportInputSchema.safeParse({ ...base, sections: Array.from({ length: DIGEST_CAPS.sectionsPerReport + 1 }, (_, s) => ({ title: `S${s}` })) });
    expect(tooManySections.error?.issues[0]).toMatchObject({ path: ['sections'], message: expect.stringMatching(/\(limit sectionsPerReport\)$/) });
    const tooManyEntities = reportInputSchema.safeParse({ ...base, sections: [{ title: 'S', items: [{ ...item(1), entities: Array.from({ length: DIGEST_CAPS.entitiesPerItem + 1 }, (_, e) => `E${e}`) }] }] });
    expect(tooManyEntities.error?.issues[0]).toMatchObject({ path: ['sections', 0, 'items', 0, 'entities'], message: expect.stringMatching(/\(limit entitiesPerItem\)$/) });
  });
});

describeWithCorpus('real digests', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.md') && f !== 'README.md') files.push(p);
    }
  };
  if (corpusAvailable) walk(CORPUS_DIR); // describe.skip still runs this body to collect its tests

  it('stay under half of every cap', () => {
    expect(files.length).toBeGreaterThan(10);
    const most: Record<keyof typeof DIGEST_CAPS, number> = { sectionsPerReport: 0, itemsPerReport: 0, itemsPerSection: 0, sourcesPerSection: 0, entitiesPerItem: 0, sourcesPerItem: 0, extraBlocksPerItem: 0 };
    const note = (cap: keyof typeof DIGEST_CAPS, n: number): void => void (most[cap] = Math.max(most[cap], n));
    for (const file of files) {
      const report = parseDigest(readFileSync(file), { fileName: file });
      note('sectionsPerReport', report.sections.length);
      note('itemsPerReport', report.sections.reduce((n, s) => n + s.items.length, 0));
      for (const s of report.sections) {
        note('itemsPerSection', s.items.length);
        note('sourcesPerSection', s.sources.length);
        for (const it of s.items) {
          note('entitiesPerItem', it.entities.length);
          note('sourcesPerItem', it.sources.length);
          note('extraBlocksPerItem', it.extra.length);
        }
      }
    }
    for (const [cap, n] of Object.entries(most)) expect([cap, n <= DIGEST_CAPS[cap as keyof typeof DIGEST_CAPS] / 2]).toEqual([cap, true]);
  });
});

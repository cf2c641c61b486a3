import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DigestParseError, parseDigest } from '../../../src/ingest';
import { EXAMPLES_DIR } from '../../support/corpus';

const GOOD = readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), 'utf8');
const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

function failure(input: string | Uint8Array): DigestParseError {
  try {
    parseDigest(input, { fileName: 'digests/bad.md' });
  } catch (err) {
    expect(err).toBeInstanceOf(DigestParseError);
    return err as DigestParseError;
  }
  throw new Error('expected a DigestParseError');
}

describe('bad input is refused with file, line and field', () => {
  it('no front matter', () => {
    const err = failure('# Just a heading\n\nSome text.\n');
    expect(err).toMatchObject({ file: 'digests/bad.md', line: 1, field: 'frontMatter' });
    expect(err.message).toBe('digests/bad.md:line 1: frontMatter: no front matter: a digest starts with a "---" line followed by YAML');
  });

  it('unterminated front matter', () => {
    const err = failure('---\ntitle: "x"\ndate: 2026-01-01\n\n## Section\n');
    expect(err).toMatchObject({ line: 1, field: 'frontMatter' });
    expect(err.reason).toMatch(/never closed/);
  });

  it('front matter that is not YAML', () => {
    const err = failure('---\ntitle: "x\ndate: [2026\n---\n');
    expect(err.field).toBe('frontMatter');
    expect(err.line).toBeGreaterThanOrEqual(2);
  });

  it('no title', () => {
    const md = GOOD.replace(/^title: .*\n/m, '');
    expect(failure(md)).toMatchObject({ field: 'title', line: 1 });
  });

  it('an invalid date names the date line', () => {
    const md = GOOD.replace('date: 2026-11-20T07:05:00+08:00', 'date: 2026-02-30');
    const err = failure(md);
    expect(err).toMatchObject({ field: 'date', line: lineOf(md, 'date: 2026-02-30') });
    expect(err.reason).toContain('2026-02-30');
  });

  it.each(['2026-11-23T00:00:00+25:00', '2026-11-23T00:00:00+23:99', '2026-11-23T00:00:00-2400', '0000-01-01'])('an impossible date or offset (%s) names the date line', (date) => {
    const md = GOOD.replace('date: 2026-11-20T07:05:00+08:00', `date: ${date}`);
    expect(failure(md)).toMatchObject({ field: 'date', line: lineOf(md, `date: ${date}`) });
    expect(failure(md).reason).toContain(`invalid date "${date}"`);
  });

  it('a plain-string cover is the cover image, checked like the mapping form', () => {
    const COVER = 'cover:\n  image: "/images/2026-11-20-ai-intel.png"\n  alt: "AI Daily"\n  relative: true\n';
    const md = GOOD.replace(COVER, 'cover: https://example.com/c.png\n');
    expect(parseDigest(md).cover).toEqual({ image: 'https://example.com/c.png', alt: null, relative: null });
    const bad = GOOD.replace(COVER, 'cover: "vbscript:x"\n');
    expect(failure(bad)).toMatchObject({ field: 'cover.image', line: lineOf(bad, 'cover: "vbscript:x"') });
  });

  it('a date that is not a date at all', () => {
    expect(failure(GOOD.replace('date: 2026-11-20T07:05:00+08:00', 'date: yesterday'))).toMatchObject({ field: 'date' });
  });

  it('an unknown importance word names the item and its line', () => {
    const md = GOOD.replace('**重要性**：高', '**重要性**：極高');
    const err = failure(md);
    expect(err).toMatchObject({ field: 'importance', line: lineOf(md, '**重要性**：極高') });
    expect(err.reason).toContain('極高');
    expect(err.reason).toContain('開源推理模型釋出 7B 蒸餾版本');
  });

  it('a non-UTF-8 file names the first bad line', () => {
    const bytes = Buffer.concat([Buffer.from('---\ntitle: "x"\n', 'utf8'), Buffer.from([0x64, 0x61, 0xff, 0xfe, 0x0a])]);
    expect(failure(bytes)).toMatchObject({ field: 'encoding', line: 3 });
  });

  it('draft that is not a boolean', () => {
    expect(failure(GOOD.replace('draft: false', 'draft: maybe'))).toMatchObject({ field: 'draft' });
  });

  it('an invalid slug names the slug line', () => {
    const md = GOOD.replace('draft: false', 'draft: false\nslug: "bad slug/with slash"');
    expect(failure(md)).toMatchObject({ field: 'slug', line: lineOf(md, 'slug:') });
  });
});

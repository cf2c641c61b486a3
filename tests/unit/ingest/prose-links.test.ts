import { parseDigest, reportInputSchema } from '../../../src/ingest';
import { extractLinks } from '../../../src/ingest/links';
import { markdownLinkUrls } from '../../support/markdown-links';

/** Issue 15.2: a link anywhere in a digest is a source of the item or section that holds it. */
const digest = `---
title: Links everywhere
date: 2026-05-01
---

## Top Headlines

### A linked title [vendor post](https://vendor.example/post)

The launch was [announced](https://news.example/a "with a title") and <https://auto.example/x> confirmed it;
the paper is [here][paper] and the [benchmark] too. Code is not a link: \`[x](https://code.example/)\`.

\`\`\`
[fenced](https://fenced.example/)
\`\`\`

**Details**
| model | source |
| --- | --- |
| M1 | [card](https://table.example/m1) |

**Why it matters**
See [the analysis](https://extra.example/why).

**Sources**： [Vendor](https://vendor.example/post) | [arXiv:2405.17838](arXiv:2405.17838)

## Further Reading

- [Long read](https://prose.example/read) and a bare mention of [benchmark].

[paper]: https://papers.example/p1
[Benchmark]: <https://bench.example/b>
`;

describe('links in prose become sources', () => {
  const report = parseDigest(digest, { fileName: 'links.md' });
  const [news, further] = report.sections;
  const item = news!.items[0]!;

  it('gives an item its listed sources first, then every link in its text, once each, in order', () => {
    expect(item.sources.map((s) => [s.kind, s.url])).toEqual([
      ['WEB', 'https://vendor.example/post'],
      ['ARXIV', 'https://arxiv.org/abs/2405.17838'],
      ['WEB', 'https://news.example/a'],
      ['WEB', 'https://auto.example/x'],
      ['WEB', 'https://papers.example/p1'],
      ['WEB', 'https://bench.example/b'],
      ['WEB', 'https://table.example/m1'],
      ['WEB', 'https://extra.example/why'],
    ]);
    expect(item.sources.find((s) => s.url === 'https://news.example/a')!.label).toBe('announced');
  });

  it('resolves a reference defined in another section, and never reads code as a link', () => {
    expect(further!.sources.map((s) => s.url)).toEqual(['https://prose.example/read', 'https://bench.example/b']);
    const all = JSON.stringify(report.sections.flatMap((s) => [...s.sources, ...s.items.flatMap((i) => i.sources)]));
    expect(all).not.toContain('code.example');
    expect(all).not.toContain('fenced.example');
  });

  it('agrees with the independent scan the corpus test uses', () => {
    const stored = report.sections.flatMap((s) => [...s.sources, ...s.items.flatMap((i) => i.sources)]).map((s) => s.url);
    expect(new Set(stored)).toEqual(markdownLinkUrls(digest));
    expect(markdownLinkUrls(digest).size).toBe(9);
  });

  it('does the same for a publisher\'s JSON: links in body, details and extra are sources', () => {
    const parsed = reportInputSchema.parse({
      slug: 'json-links',
      title: 'JSON',
      date: '2026-05-01',
      sections: [
        {
          title: 'News',
          body: 'Intro with [a link](https://section.example/)',
          items: [
            {
              title: 'One',
              body: 'See [x](https://body.example/x).',
              details: '[y](https://details.example/y)',
              extra: [{ label: 'More', text: '<https://extra.example/z>' }],
              sources: [{ label: 'listed', url: 'https://body.example/x' }],
            },
          ],
        },
      ],
    });
    expect(parsed.sections[0]!.sources.map((s) => s.url)).toEqual(['https://section.example/']);
    expect(parsed.sections[0]!.items[0]!.sources.map((s) => [s.label, s.url])).toEqual([
      ['listed', 'https://body.example/x'],
      ['y', 'https://details.example/y'],
      ['https://extra.example/z', 'https://extra.example/z'],
    ]);
  });
});

describe('reading links costs linear time, whatever the text', () => {
  // Each of these took 20 s to minutes with backtracking patterns (quadratic in the text's length);
  // linear reading does each in milliseconds, so 5 s holds on any machine and fails the old code.
  it.each([
    ['200,000 "["', '['.repeat(200_000)],
    ['60,000 unclosed "[a](<"', '[a](<'.repeat(60_000)],
    ['backtick runs of every length, never closed', Array.from({ length: 1_400 }, (_, i) => `${'`'.repeat(i + 1)}x`).join('')],
  ])('%s', (_what, text) => {
    const started = Date.now();
    expect(extractLinks(text)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an item citing one URL 30,000 times keeps it once, within the source limit', () => {
    const body = 'See [it](https://one.example/). '.repeat(30_000);
    const report = parseDigest(`---\ntitle: T\ndate: 2026-05-01\n---\n\n## News\n\n### Item\n\n${body}\n`);
    expect(report.sections[0]!.items[0]!.sources.map((s) => s.url)).toEqual(['https://one.example/']);
  });
});

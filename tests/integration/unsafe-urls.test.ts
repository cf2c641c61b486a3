import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';

/**
 * Issue 16.12: frontends put a cover in `src` and links in `href`, so a digest may only use https:,
 * http: and relative targets (and the format's own arXiv: citations). Anything else is refused at
 * ingest, naming field and line, and nothing of the digest is stored.
 */
const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
const PUBLISH_MD = `mutation($md: String!) { publishMarkdown(markdown: $md, slug: "unsafe-urls") { slug } }`;
const PUBLISH_REPORT = `mutation($input: ReportInput!) { publishReport(input: $input) { slug } }`;

const digest = (frontMatter: string, body: string): string =>
  `---\ntitle: Links\ndate: 2026-05-01\n${frontMatter}---\n\n## News\n\n### An item\n\n${body}\n`;

describe('only http(s) and relative URLs are stored (over HTTP)', () => {
  const ctx = serveTestDatabase();

  const reportCount = async (): Promise<number> =>
    (await gql<{ reports: { totalCount: number } }>(ctx.server.url, '{ reports(first: 1) { totalCount } }')).data!.reports.totalCount;

  it.each([
    ['a javascript: cover', digest('cover:\n  image: "javascript:alert(1)"\n', 'Text.'), 5, 'cover.image', 'cover image "javascript:alert(1)" uses the javascript: scheme'],
    ['a javascript: cover as a plain string', digest('cover: "javascript:alert(1)"\n', 'Text.'), 4, 'cover.image', 'cover image "javascript:alert(1)" uses the javascript: scheme'],
    ['a data: cover', digest('cover:\n  alt: x\n  image: "data:text/html,<script>"\n', 'Text.'), 6, 'cover.image', 'uses the data: scheme'],
    ['a javascript: link in a paragraph', digest('', 'Intro.\n\nSee [the demo](javascript:alert(document.cookie)).'), 12, 'sections.0.items.0.body', 'uses the javascript: scheme'],
    ['an entity-encoded scheme', digest('', 'See [x](java&#115;cript&#58;alert(1)).'), 10, 'sections.0.items.0.body', 'uses the javascript: scheme'],
    ['a vbscript: autolink', digest('', 'See <vbscript:msgbox(1)>.'), 10, 'sections.0.items.0.body', 'uses the vbscript: scheme'],
    ['a data: source', digest('', 'Text.\n\n**來源**： [ok](https://ok.example/) | [bad](data:text/html,hi)'), 12, 'sections.0.items.0.sources.1.ref', 'uses the data: scheme'],
  ])('publishMarkdown with %s is BAD_USER_INPUT naming line and field', async (_what, md, line, field, reason) => {
    const res = await gql(ctx.server.url, PUBLISH_MD, { md }, auth);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'markdown', line, field });
    expect(res.errors![0]!.message).toContain(reason);
    expect(res.errors![0]!.message).toContain('only https:, http: and relative paths are allowed');
    expect(await reportCount()).toBe(0);
  });

  const report = (over: Record<string, unknown>, item: Record<string, unknown> = {}) => ({
    slug: 'unsafe-json',
    title: 'JSON',
    date: '2026-05-01',
    sections: [{ title: 'News', items: [{ title: 'An item', ...item }] }],
    ...over,
  });

  it.each([
    ['a javascript: cover', report({ cover: { image: 'javascript:alert(1)' } }), 'cover.image'],
    ['a file: source url', report({}, { sources: [{ label: 'x', url: 'file:///etc/passwd' }] }), 'sections.0.items.0.sources.0.ref'],
    ['a javascript: link in details', report({}, { details: '[x](JavaScript:alert(1))' }), 'sections.0.items.0.details'],
  ])('publishReport with %s is BAD_USER_INPUT naming the field', async (_what, input, field) => {
    const res = await gql(ctx.server.url, PUBLISH_REPORT, { input }, auth);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: `input.${field}`, field });
    expect(await reportCount()).toBe(0);
  });

  it('keeps https, http, relative, placeholder and arXiv targets', async () => {
    const md = digest(
      'cover:\n  image: /images/cover.png\n  relative: true\n',
      'See [a](https://a.example/) and [b](http://b.example/x), [c](../notes/c.md) and [d](#top).\n\n**來源**： [來源1](1) | [arXiv:2405.17838](arXiv:2405.17838)',
    );
    const res = await gql<{ publishMarkdown: { slug: string } }>(ctx.server.url, PUBLISH_MD, { md }, auth);
    expect(res.errors).toBeUndefined();
    const read = await gql<{ report: { coverImage: { url: string }; sections: { items: { sources: { kind: string; url: string | null }[] }[] }[] } }>(
      ctx.server.url,
      '{ report(slug: "unsafe-urls") { coverImage { url } sections { items { sources { kind url } } } } }',
    );
    expect(read.data!.report.coverImage.url).toBe('/images/cover.png');
    expect(read.data!.report.sections[0]!.items[0]!.sources).toEqual([
      { kind: 'UNRESOLVED', url: null },
      { kind: 'ARXIV', url: 'https://arxiv.org/abs/2405.17838' },
      { kind: 'WEB', url: 'https://a.example/' },
      { kind: 'WEB', url: 'http://b.example/x' },
      { kind: 'UNRESOLVED', url: null },
      { kind: 'UNRESOLVED', url: null },
    ]);
  });
});

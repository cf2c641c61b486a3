import { parseAtomFeed, parseRssFeed } from 'feedsmith';
import { plainItem, reportOf, store } from '../support/fixtures';
import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';

/** XML 1.0 cannot hold C0 controls other than tab, LF and CR, nor U+FFFE/U+FFFF. */
const BAD = ['\u0001', '\u000b', '\uFFFE'];

describe('characters XML cannot hold', () => {
  const ctx = serveTestDatabase({
    // Stored without the publish checks, like a row written before them.
    seed: (db) => store(db, { ...reportOf('old-row', '2026-11-22T00:00:00Z', [plainItem(1, `Bad${BAD.join('')}title`, { summary: `S\u0002${'\uFFFF'}` })]), title: `Report\u0003${'\uFFFE'}` }),
  });

  it('feeds stay well-formed with such a row in the database', async () => {
    for (const path of ['/feeds/items.rss', '/feeds/items.atom', '/feeds/reports.atom']) {
      const res = await fetch(`${ctx.server.url}${path}`);
      expect(res.status).toBe(200);
      const xml = await res.text();
      // eslint-disable-next-line no-control-regex -- what must not be there
      expect(xml).not.toMatch(/[\u0001-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
      if (path.endsWith('.rss')) expect(parseRssFeed(xml).items?.[0]?.title).toBe('Badtitle');
      else if (path.startsWith('/feeds/items')) expect(parseAtomFeed(xml).entries?.[0]?.title).toMatchObject({ value: 'Badtitle' });
      else expect(parseAtomFeed(xml).entries?.[0]?.title).toMatchObject({ value: 'Report' });
    }
  });

  it.each([['report=%01', 'report'], ['tags=%EF%BF%BF', 'tags'], ['sections=a%0Bb', 'sections']])('a feed parameter with one (%s) is a 400 naming it', async (query, param) => {
    const res = await fetch(`${ctx.server.url}/feeds/items.rss?${query}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(new RegExp(`^${param}: contains the control character U\\+`));
  });

  it.each(BAD.map((ch) => [ch.charCodeAt(0).toString(16), ch]))('publishMarkdown refuses a title holding U+%s, naming field and line', async (_code, ch) => {
    const markdown = `---\ntitle: T\ndate: 2026-11-23\n---\n\n## Section\n\n### Item${ch}one\n\nText.\n`;
    const res = await gql(ctx.server.url, 'mutation($m: String!) { publishMarkdown(markdown: $m) { slug } }', { m: markdown }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    expect(res.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', line: 8 } });
    expect(res.errors![0]!.message).toMatch(/title: contains the control character U\+/);
  });
});

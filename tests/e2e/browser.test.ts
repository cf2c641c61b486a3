import type { Report } from '../../src/ingest';
import { describeWithBrowser, openBrowser, type TestBrowser } from '../support/browser';
import { exampleReport, store } from '../support/fixtures';
import { serveTestDatabase, startTestServer, type TestServer } from '../support/server';
import { subscriptionsLive } from '../support/wait';

/** A one-item report with a title of its own, published at `date`. */
function oneItem(slug: string, title: string, date: string): Report {
  const base = exampleReport('2026-11-21-ai-digest-en');
  const section = base.sections[0]!;
  return { ...base, slug, date, sections: [{ ...section, items: [{ ...section.items[0]!, title, importance: 'HIGH' }] }] };
}

describeWithBrowser('in a real browser (Chromium)', () => {
  const ctx = serveTestDatabase({ explorer: true, seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });
  let browser: TestBrowser;

  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => {
    await browser?.close();
  });

  it('the explorer renders from this server alone and runs a query typed into its editor', async () => {
    const { page } = browser;
    await page.goto(`${ctx.server.url}/graphql`);
    const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
    await editor.waitFor({ state: 'visible' });
    // The schema loaded (introspection over the fetcher): the docs explorer knows the Query type.
    await page.locator('.graphiql-container').waitFor();
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ latestReport { slug language } }');
    // GraphiQL reads the operation name from the edited text after a debounce: the tab's title
    // shows it has (an anonymous operation), else it would still send the example's name.
    await page.locator('.graphiql-tab-active', { hasText: '<untitled>' }).waitFor();
    await page.keyboard.press('Control+Enter');
    const response = page.locator('.graphiql-response .CodeMirror');
    await response.getByText('"2026-11-20-ai-intel"').waitFor({ timeout: 10_000 });
    expect(await response.innerText()).toContain('"zh-Hant"');
    await browser.screenshot('explorer');
    expect(browser.foreign).toEqual([]);
    expect(browser.errors).toEqual([]);
  });

  it('the explorer runs its example subscription over graphql-ws', async () => {
    const { page } = browser;
    await page.goto(`${ctx.server.url}/graphql`);
    await page.locator('.graphiql-tab', { hasText: 'HighItemsLive' }).click();
    await page.locator('.graphiql-tab-active', { hasText: 'HighItemsLive' }).waitFor();
    await page.locator('.graphiql-execute-button').click();
    await subscriptionsLive(ctx.server.url);
    await store(ctx.db, oneItem('explorer-live', 'Seen in the explorer', '2026-11-24T00:00:00Z'));
    await page.locator('.graphiql-response .CodeMirror').getByText('"Seen in the explorer"').waitFor();
    expect(browser.foreign).toEqual([]);
  });

  it('notices a page reaching for another host (the guard the other tests rely on)', async () => {
    const { page } = browser;
    // A response without a CSP (ours would refuse the request itself, and say so as a console error).
    await page.goto(`${ctx.server.url}/healthz`);
    await page.evaluate(() => fetch('https://cdn.invalid/graphiql.js').catch(() => null));
    expect(browser.foreign).toEqual(['https://cdn.invalid/graphiql.js']);
  });

  it('the index page links the explorer, the live page, the feeds and the API docs', async () => {
    const { page } = browser;
    await page.goto(`${ctx.server.url}/`);
    const hrefs = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(expect.arrayContaining(['/graphql', '/live', '/feeds/items.atom', '/feeds/opml', '/docs/api']));
    await page.click('a[href="/docs/api"]');
    await page.getByRole('heading', { name: 'API at a glance' }).waitFor();
    expect(browser.foreign).toEqual([]);
  });

  describe('the live page', () => {
    let server: TestServer;
    afterEach(async () => {
      await server?.close();
    });

    it('says why when the server refuses it: no key, or a bad one', async () => {
      server = await startTestServer(ctx.db, { publicRead: false });
      const { page } = browser;
      await page.goto(`${server.url}/live`);
      await page.locator('#status[data-state=down]', { hasText: 'needs an API key' }).waitFor();
      await page.fill('input[name=key]', 'dq_live_not-a-key');
      await page.click('button[type=submit]');
      await page.locator('#status[data-state=down]', { hasText: '4403' }).waitFor();
      expect(browser.foreign).toEqual([]);
    });

    it('shows an item published after it opened within 2 s, and again after the server restarts (resume)', async () => {
      // Its own server, to restart on the same port.
      server = await startTestServer(ctx.db);
      const port = Number(new URL(server.url).port);
      const { page } = browser;
      await page.goto(`${server.url}/live`);
      await page.selectOption('select[name=minImportance]', 'HIGH');
      await page.click('button[type=submit]');
      await page.locator('#status[data-state=live]').waitFor();
      await subscriptionsLive(server.url);

      const items = page.locator('#items > li');
      await store(ctx.db, oneItem('live-1', 'Live item one', '2026-11-25T00:00:00Z'));
      const published = Date.now();
      await items.filter({ hasText: 'Live item one' }).waitFor({ timeout: 2000 });
      expect(Date.now() - published).toBeLessThan(2000);
      expect(await items.first().getAttribute('class')).toContain('importance-high');

      // Restart: the page loses its socket, an item is published meanwhile, and the page resumes
      // from its last cursor on the new process, so it gets that item too, once.
      await server.close();
      await page.locator('#status[data-state=down]').waitFor();
      await store(ctx.db, oneItem('live-2', 'Published while the server was down', '2026-11-26T00:00:00Z'));
      server = await startTestServer(ctx.db, { port });
      await items.filter({ hasText: 'Published while the server was down' }).waitFor({ timeout: 20_000 });
      await subscriptionsLive(server.url);
      await store(ctx.db, oneItem('live-3', 'Live item after the restart', '2026-11-27T00:00:00Z'));
      const again = Date.now();
      await items.filter({ hasText: 'Live item after the restart' }).waitFor({ timeout: 2000 });
      expect(Date.now() - again).toBeLessThan(2000);
      expect(await items.allInnerTexts()).toHaveLength(3);
      await browser.screenshot('live');
      expect(browser.foreign).toEqual([]);
      expect(browser.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
    });
  });
});

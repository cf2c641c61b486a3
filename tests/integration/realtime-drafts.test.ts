import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../src/db/client';
import { parseDigest } from '../../src/ingest';
import { storeReport } from '../../src/modules/publishing/publishing.service';
import { EXAMPLES_DIR } from '../support/corpus';
import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';
import { until } from '../support/wait';
import { subscribe } from '../support/ws-client';

const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
const PUBLISH = `mutation($md: String!, $slug: String!) { publishMarkdown(markdown: $md, slug: $slug) { added } }`;
const EN = readFileSync(join(EXAMPLES_DIR, '2026-11-21-ai-digest-en.md'), 'utf8');

/** The public digest taken back to draft with secret text everywhere a subscription could reach. */
const DRAFT = EN.replace('draft: false', 'draft: true')
  .replace(/^title: .*$/m, 'title: "SECRET title"')
  .replace(/^description: .*$/m, 'description: "SECRET description"')
  .replace(/^summary: .*$/m, 'summary: "SECRET summary"')
  .replace('Smaller models trained with verifiable rewards', 'SECRET insight: models trained')
  .replace('https://example.org/blog/unit-test-rewards', 'https://secret.example/embargoed')
  .replace('`Reasoning`', '`SECRETKW`');

const REPORT_FIELDS = `report { slug title description summary intro keywords draft sections { key body sources { url } items { title } } items { title } }`;
const LEAK_SUB = `subscription($after: String) { itemPublished(after: $after, filter: { reportSlug: "leak-1" }) { type item { title tags sources { url } ${REPORT_FIELDS} section { body sources { url } ${REPORT_FIELDS} } } } }`;

/** Nothing of the draft may show: no secret text, and no report that says it is a draft. */
function expectNoDraft(payloads: unknown[]): void {
  const text = JSON.stringify(payloads);
  expect(text).not.toMatch(/secret/i);
  expect(text).not.toMatch(/"draft":true/);
}

describe('subscriptions never show draft content', () => {
  const ctx = serveTestDatabase({ each: true });

  it('replays the events of a report taken back to draft from their public facts only', async () => {
    // A cursor from before the report was public.
    const watcher = subscribe<{ itemPublished: { cursor: string } }>(ctx.server.url, 'subscription { itemPublished { cursor } }');
    await until(() => ctx.server.app.subscriptionGroups().members === 1, 'the subscription to be live');
    const other = EN.replace(/^title: .*$/m, 'title: "Earlier"');
    expect((await gql(ctx.server.url, PUBLISH, { md: other, slug: 'earlier-1' }, auth)).errors).toBeUndefined();
    const [first] = await watcher.waitFor(1);
    const older = first!.data!.itemPublished.cursor;
    await watcher.dispose();

    expect((await gql(ctx.server.url, PUBLISH, { md: EN, slug: 'leak-1' }, auth)).errors).toBeUndefined();
    expect((await gql(ctx.server.url, PUBLISH, { md: DRAFT, slug: 'leak-1' }, auth)).errors).toBeUndefined();

    const replay = subscribe<{ itemPublished: { type: string; item: { title: string; report: { title: string; draft: boolean } } } }>(ctx.server.url, LEAK_SUB, { after: older });
    // Six items published, then the same six removed when the report went back to draft.
    const got = await replay.waitFor(12, 30_000);
    expect(got.every((r) => !r.errors)).toBe(true);
    expect(got.map((r) => r.data!.itemPublished.type)).toEqual([...Array(6).fill('PUBLISHED'), ...Array(6).fill('REMOVED')]);
    expectNoDraft(got);
    expect(got[0]!.data!.itemPublished.item.report).toMatchObject({ title: 'leak-1', draft: false });
    await replay.dispose();
  }, 60_000);

  it('announces a report that went back to draft before the listener read its event with what the event made public', async () => {
    const sub = subscribe<{ reportPublished: { slug: string; title: string } }>(
      ctx.server.url,
      `subscription { reportPublished { slug title description summary intro draft keywords sections { body sources { url } } items { title } } }`,
    );
    await until(() => ctx.server.app.subscriptionGroups().members === 1, 'the subscription to be live');
    const publicReport = { ...parseDigest(EN), slug: 'leak-2' };
    const draftReport = { ...parseDigest(DRAFT), slug: 'leak-2' };
    // Both commit before the listener reads: the public publish's event is read when the draft is what is stored.
    await ctx.db.db.transaction(async (tx) => {
      await storeReport(tx as unknown as Db, publicReport);
      await storeReport(tx as unknown as Db, draftReport);
    });
    const [got] = await sub.waitFor(1);
    expect(got!.errors).toBeUndefined();
    expectNoDraft([got]);
    expect(got!.data!.reportPublished).toMatchObject({ slug: 'leak-2', title: publicReport.title, draft: false, sections: [], keywords: [] });
    await sub.dispose();
  });
});

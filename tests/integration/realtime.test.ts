import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES_DIR, SEED_FILE, describeWithCorpus } from '../support/corpus';
import { exampleReport } from '../support/fixtures';
import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';
import { publishSentinel, resultsBeforeSentinel } from '../support/sentinel';
import { subscriptionsGone, subscriptionsLive, until } from '../support/wait';
import { connectClient, subscribe } from '../support/ws-client';
import { head } from '../../src/modules/events/events.repository';
import { comparePositions } from '../../src/modules/events/event-cursor';

const ZH = readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), 'utf8');
const EN = readFileSync(join(EXAMPLES_DIR, '2026-11-21-ai-digest-en.md'), 'utf8');
const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
const SUB = `subscription($filter: ItemFilter, $after: String) {
  itemPublished(filter: $filter, after: $after) { cursor type item { id title importance tags report { slug } } } }`;
type Ev = { itemPublished: { cursor: string; type: string; item: { id: string; title: string; importance: string; tags: string[]; report: { slug: string } } } };

const PUBLISH_MD = `mutation($md: String!, $slug: String) { publishMarkdown(markdown: $md, slug: $slug) { slug created draft added updated removed unchanged report { slug itemCount } } }`;

describe('realtime: publish and subscribe', () => {
  const ctx = serveTestDatabase({ each: true });
  const publish = (md: string, slug?: string) => gql<{ publishMarkdown: Record<string, unknown> }>(ctx.server.url, PUBLISH_MD, { md, slug }, auth);

  it('pushes only matching items, in order, to each filter', async () => {
    const high = subscribe<Ev>(ctx.server.url, SUB, { filter: { minImportance: 'HIGH' } });
    const rlhf = subscribe<Ev>(ctx.server.url, SUB, { filter: { tags: ['RLHF'] } });
    const entity = subscribe<Ev>(ctx.server.url, SUB, { filter: { entities: ['rlvr'] } });
    const all = subscribe<Ev>(ctx.server.url, SUB, {});
    await subscriptionsLive(ctx.server.url, 4);
    const res = await publish(ZH);
    expect(res.errors).toBeUndefined();
    expect(res.data!.publishMarkdown).toMatchObject({ slug: '2026-11-20', created: true, draft: false, unchanged: 0, report: { itemCount: 6 } });
    await publish(EN);
    const everything = await all.waitFor(12);
    const highs = await high.waitFor(4);
    expect(highs.map((r) => r.data!.itemPublished.item.title)).toEqual(
      everything.map((r) => r.data!.itemPublished.item).filter((i) => i.importance === 'HIGH').map((i) => i.title),
    );
    const rl = await rlhf.waitFor(2);
    expect(rl.every((r) => r.data!.itemPublished.item.tags.includes('RLHF'))).toBe(true);
    const ent = await entity.waitFor(2);
    expect(ent.map((r) => r.data!.itemPublished.item.title)).toEqual([
      '開源推理模型釋出 7B 蒸餾版本',
      'Compact reasoning model tops an open coding benchmark',
    ]);
    // Exactly these, no more: a later item every filter matches arrives right after them.
    const sentinel = await publishSentinel(ctx.server.url, { importance: 'HIGH', tags: ['RLHF'], entities: ['rlvr'] });
    const counts = await Promise.all([high, rlhf, entity, all].map((s) => resultsBeforeSentinel(s, sentinel)));
    expect(counts).toEqual([4, 2, 2, 12]);
    expect(everything.every((r) => r.data!.itemPublished.type === 'PUBLISHED')).toBe(true);
    await Promise.all([high, rlhf, entity, all].map((s) => s.dispose()));
  });

  it('resumes after a disconnect: every missed event exactly once, in order', async () => {
    const first = subscribe<Ev>(ctx.server.url, SUB, {});
    await subscriptionsLive(ctx.server.url);
    await publish(ZH);
    const [firstEvent] = await first.waitFor(1);
    await first.dispose();
    const cursor = firstEvent!.data!.itemPublished.cursor;
    await publish(EN);
    // A subscription without `after` starts at what the server has read of the log: wait until it
    // has read EN, so `live` starts after it (else EN's items, a moment old, may reach it too).
    await until(async () => comparePositions(ctx.server.hub.stats().position, await head(ctx.db.db)) >= 0, 'the hub to have read EN');
    await subscriptionsGone(ctx.server.url);
    const live = subscribe<Ev>(ctx.server.url, SUB, {});
    await subscriptionsLive(ctx.server.url);
    const resumed = subscribe<Ev>(ctx.server.url, SUB, { after: cursor });
    const got = await resumed.waitFor(11);
    const titles = got.map((r) => r.data!.itemPublished.item.title);
    expect(titles.slice(0, 5)).toEqual(exampleReport('2026-11-20-ai-intel').sections.flatMap((s) => s.items).slice(1).map((i) => i.title));
    expect(titles.slice(5)).toEqual(exampleReport('2026-11-21-ai-digest-en').sections.flatMap((s) => s.items).map((i) => i.title));
    // Then live, no duplicate at the switch-over.
    await publish(ZH.replace('核心摘要**  \n一個開源社群團隊', '核心摘要**  \n（更新）一個開源社群團隊'));
    const next = await resumed.waitFor(12);
    expect(next[11]!.data!.itemPublished).toMatchObject({ type: 'UPDATED', item: { title: '開源推理模型釋出 7B 蒸餾版本' } });
    const sentinel = await publishSentinel(ctx.server.url);
    const resumedBefore = resumed.results.slice(0, await resultsBeforeSentinel(resumed, sentinel));
    expect(resumedBefore).toHaveLength(12);
    expect(new Set(resumedBefore.map((r) => r.data!.itemPublished.cursor)).size).toBe(12);
    expect(await resultsBeforeSentinel(live, sentinel)).toBe(1);
    await Promise.all([resumed.dispose(), live.dispose()]);
  });

  it('a draft is not pushed until published; a re-publish pushes only what changed', async () => {
    const all = subscribe<Ev>(ctx.server.url, SUB, {});
    await subscriptionsLive(ctx.server.url);
    const draft = await publish(ZH.replace('draft: false', 'draft: true'));
    expect(draft.data!.publishMarkdown).toMatchObject({ draft: true, report: null });
    // Nothing of the draft: the next published item is the first thing the subscriber gets.
    const afterDraft = await publishSentinel(ctx.server.url);
    expect(await resultsBeforeSentinel(all, afterDraft)).toBe(0);
    const S = 1; // the sentinel's result, before every count below
    await publish(ZH);
    await all.waitFor(S + 6);
    const again = await publish(ZH);
    expect(again.data!.publishMarkdown).toMatchObject({ added: [], updated: [], removed: [], unchanged: 6 });
    const changedMd = ZH.replace('**重要性**：低', '**重要性**：中');
    await publish(changedMd);
    const [changed] = (await all.waitFor(S + 7)).slice(S + 6);
    expect(changed!.data!.itemPublished).toMatchObject({ type: 'UPDATED', item: { title: '向量資料庫新增混合檢索與中文斷詞', importance: 'MEDIUM' } });
    const removedMd = changedMd.replace(/### 長上下文檢索[\s\S]*?---\n\n(?=## 工具)/, '');
    const removed = await publish(removedMd);
    expect((removed.data!.publishMarkdown.removed as string[]).length).toBe(1);
    const [gone] = (await all.waitFor(S + 8)).slice(S + 7);
    expect(gone!.data!.itemPublished).toMatchObject({ type: 'REMOVED', item: { title: '長上下文檢索的「中段遺失」問題新解', importance: 'MEDIUM' } });
    const last = await publishSentinel(ctx.server.url);
    expect(await resultsBeforeSentinel(all, last)).toBe(S + 8);
    await all.dispose();
  });

  it('publishing needs the publish credential; bad input names the line and stores nothing', async () => {
    const anon = await gql(ctx.server.url, PUBLISH_MD, { md: ZH });
    expect(anon.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const wrong = await gql(ctx.server.url, PUBLISH_MD, { md: ZH }, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const bad = await publish(ZH.replace('**重要性**：高', '**重要性**：很高'));
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'importance', line: expect.any(Number) });
    const none = await gql<{ reports: { totalCount: number } }>(ctx.server.url, '{ reports { totalCount } }');
    expect(none.data!.reports.totalCount).toBe(0);
  });

  it('publishReport takes structured JSON with the same validation', async () => {
    const mutation = `mutation($input: ReportInput!) { publishReport(input: $input) { slug created added report { sections { key items { title importance entities { key } sources { kind url } } } } } }`;
    const input = {
      slug: 'json-1',
      title: 'From JSON',
      date: '2026-11-22T08:00:00+08:00',
      sections: [{ title: '今日焦點（Top Headlines）', items: [{ title: 'One', importance: 'HIGH', entities: ['GPT-OSS', 'gpt-oss'], sources: [{ label: 'p', url: 'arXiv:2405.17838' }] }] }],
    };
    const ok = await gql<{ publishReport: { report: { sections: { key: string; items: unknown[] }[] } } }>(ctx.server.url, mutation, { input }, auth);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.publishReport.report.sections[0]).toEqual({
      key: 'top-headlines',
      items: [{ title: 'One', importance: 'HIGH', entities: [{ key: 'gpt-oss' }], sources: [{ kind: 'ARXIV', url: 'https://arxiv.org/abs/2405.17838' }] }],
    });
    const bad = await gql(ctx.server.url, mutation, { input: { ...input, date: '2026-13-45' } }, auth);
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'date' });
  });

  it('refuses an expired or malformed cursor clearly', async () => {
    const oldCursor = Buffer.from(JSON.stringify(['ev1', '1', 1, Date.now() - 40 * 86_400_000])).toString('base64url');
    const expired = subscribe<Ev>(ctx.server.url, SUB, { after: oldCursor });
    await expired.done;
    expect(expired.results[0]!.errors![0]).toMatchObject({ extensions: { code: 'CURSOR_EXPIRED', argument: 'after' } });
    expect(expired.results[0]!.errors![0]!.message).toContain('30-day event retention');
    const malformed = subscribe<Ev>(ctx.server.url, SUB, { after: 'garbage' });
    await malformed.done;
    expect(malformed.results[0]!.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    await Promise.all([expired.dispose(), malformed.dispose()]);
  });

  it('a bad credential on connection_init closes the socket with 4403', async () => {
    const s = subscribe<Ev>(ctx.server.url, SUB, {}, { authorization: 'Bearer wrong' });
    expect((await s.closed).code).toBe(4403);
    await s.dispose();
  });

  it('a credential that is not a string (a number, an array) closes the socket with 4403 instead of connecting anonymously', async () => {
    for (const params of [{ authorization: 42 }, { authorization: ['Bearer x'] }, { Authorization: {} }, { token: 7 }]) {
      const c = connectClient(ctx.server.url, params);
      const outcome = await Promise.race([c.connected.then(() => 'connected'), c.closed.then((e) => e.code)]);
      await c.client.dispose();
      expect({ params, outcome }).toEqual({ params, outcome: 4403 });
    }
  });

  it('reportPublished pushes whole reports', async () => {
    const reports = subscribe<{ reportPublished: { slug: string; itemCount: number; sections: { key: string }[] } }>(
      ctx.server.url,
      'subscription { reportPublished { slug itemCount sections { key } } }',
    );
    await subscriptionsLive(ctx.server.url);
    await publish(EN);
    const [r] = await reports.waitFor(1);
    expect(r!.data!.reportPublished).toMatchObject({ slug: '2026-11-21', itemCount: 6 });
    await reports.dispose();
  });

  it('reportPublished hears a re-publish that changes only the report itself, and not an identical one', async () => {
    const reports = subscribe<{ reportPublished: { slug: string; title: string } }>(ctx.server.url, 'subscription { reportPublished { slug title } }');
    await subscriptionsLive(ctx.server.url);
    expect((await publish(EN)).errors).toBeUndefined();
    const retitled = EN.replace(/^title: .*$/m, 'title: "Retitled sample"');
    expect(retitled).not.toBe(EN);
    const again = await publish(retitled);
    expect(again.data!.publishMarkdown).toMatchObject({ added: [], updated: [], removed: [] });
    expect((await publish(retitled)).errors).toBeUndefined();
    const marker = await publishSentinel(ctx.server.url);
    expect(await resultsBeforeSentinel(reports, marker)).toBe(2);
    expect(reports.results.slice(0, 2).map((r) => r.data!.reportPublished)).toEqual([
      { slug: '2026-11-21', title: expect.stringContaining('Small reasoning models') },
      { slug: '2026-11-21', title: 'Retitled sample' },
    ]);
    await reports.dispose();
  });
});

describeWithCorpus('realtime with the seed digest', () => {
  const ctx = serveTestDatabase();

  it('a HIGH-only subscriber gets exactly the 3 HIGH items, in order; RLHF and entity subscribers only theirs', async () => {
    const high = subscribe<Ev>(ctx.server.url, SUB, { filter: { minImportance: 'HIGH' } });
    const rlhf = subscribe<Ev>(ctx.server.url, SUB, { filter: { tags: ['RLHF'] } });
    const entity = subscribe<Ev>(ctx.server.url, SUB, { filter: { entities: ['gpt-oss'] } });
    await subscriptionsLive(ctx.server.url, 3);
    const res = await gql(ctx.server.url, PUBLISH_MD, { md: readFileSync(SEED_FILE, 'utf8'), slug: '2025-11-25-ai-intel' }, auth);
    expect(res.errors).toBeUndefined();
    const got = await high.waitFor(3);
    expect(got.map((r) => r.data!.itemPublished.item.title)).toEqual([
      '以大型語言模型作為評判者的技術方法與框架',
      'Qwen AI 千萬下載與 AI 基礎設施挑戰',
      'Anthropic Opus 4.5 在 Amazon Bedrock 的技術脈絡',
    ]);
    const [onlyRlhf] = await rlhf.waitFor(1);
    expect(onlyRlhf!.data!.itemPublished.item.title).toBe('以大型語言模型作為評判者的技術方法與框架');
    const [onlyGptOss] = await entity.waitFor(1);
    expect(onlyGptOss!.data!.itemPublished.item.title).toBe('Anthropic Opus 4.5 在 Amazon Bedrock 的技術脈絡');
    const sentinel = await publishSentinel(ctx.server.url, { importance: 'HIGH', tags: ['RLHF'], entities: ['gpt-oss'] });
    const counts = await Promise.all([high, rlhf, entity].map((s) => resultsBeforeSentinel(s, sentinel)));
    expect(counts).toEqual([3, 1, 1]);
    await Promise.all([high.dispose(), rlhf.dispose(), entity.dispose()]);
  });
});

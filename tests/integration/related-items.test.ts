import { normaliseKey, type Source } from '../../src/ingest';
import { plainItem, reportOf, store } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';

const arxiv: Source = { label: 'arXiv:2405.17838', url: 'https://arxiv.org/abs/2405.17838', kind: 'ARXIV', domain: 'arxiv.org', ref: 'arXiv:2405.17838' };
const e = (...names: string[]) => names.map((name) => ({ name, key: normaliseKey(name) }));

describe('Item.related: story threads across reports', () => {
  const ctx = serveTestDatabase({
    seed: async (db) => {
      await store(db, reportOf('r1', '2026-10-01T08:00:00Z', [
        plainItem(1, '開源推理模型釋出 7B 蒸餾版本', { sources: [arxiv], entities: e('OpenReason') }),
        plainItem(2, 'Chip export rules tighten', { entities: e('Nvidia', 'Commerce Department') }),
      ]));
      await store(db, reportOf('r2', '2026-10-05T08:00:00Z', [
        plainItem(1, 'A paper everyone is reading', { sources: [{ ...arxiv, label: 'the paper' }] }),
        plainItem(2, 'New curbs on accelerators', { entities: e('NVIDIA', 'Commerce Department', 'AMD') }),
        plainItem(3, '开源推理模型释出 14B 蒸馏版本', {}),
        plainItem(4, 'Follow-up on the same paper', { sources: [arxiv] }),
        plainItem(5, 'Nvidia earnings', { entities: e('Nvidia') }),
      ]));
      await store(db, reportOf('r3', '2026-10-09T08:00:00Z', [plainItem(1, 'Draft citing it', { sources: [arxiv], entities: e('Nvidia', 'Commerce Department') })], true));
    },
  });

  type Rel = { title: string; related: { item: { title: string }; reasons: string[] }[] };
  const relatedOf = async (slug: string): Promise<Rel[]> => {
    const res = await gql<{ report: { sections: { items: Rel[] }[] } }>(
      ctx.server.url,
      'query($slug: String!) { report(slug: $slug) { sections { items { title related { item { title } reasons } } } } }',
      { slug },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.report.sections.flatMap((s) => s.items);
  };

  it('links a shared arXiv id across two reports, two shared entities and a similar title (Traditional = Simplified), newest first', async () => {
    const [paper, chips] = await relatedOf('r1');
    expect(paper!.related).toEqual([
      { item: { title: 'A paper everyone is reading' }, reasons: ['SAME_SOURCE'] },
      { item: { title: '开源推理模型释出 14B 蒸馏版本' }, reasons: ['SIMILAR_TEXT'] },
      { item: { title: 'Follow-up on the same paper' }, reasons: ['SAME_SOURCE'] },
    ]);
    // One shared entity (Nvidia earnings) is not a story; drafts are never related.
    expect(chips!.related).toEqual([{ item: { title: 'New curbs on accelerators' }, reasons: ['SHARED_ENTITIES'] }]);
  });

  it('looks both ways but never inside the same report, and honours first', async () => {
    const r2 = await relatedOf('r2');
    expect(r2.find((i) => i.title === 'A paper everyone is reading')!.related).toEqual([{ item: { title: '開源推理模型釋出 7B 蒸餾版本' }, reasons: ['SAME_SOURCE'] }]);
    expect(r2.find((i) => i.title === 'Nvidia earnings')!.related).toEqual([]);
    const one = await gql<{ report: { sections: { items: { related: unknown[] }[] }[] } }>(ctx.server.url, '{ report(slug: "r1") { sections { items { related(first: 1) { reasons } } } } }');
    expect(one.data!.report.sections[0]!.items[0]!.related).toHaveLength(1);
  });
});

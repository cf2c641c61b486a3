/**
 * The ceiling for the report query: a bare node:http handler that runs the same SQL (the same
 * repository functions the GraphQL loaders batch) and JSON.stringifies the same shape.
 */
import http from 'node:http';
import { openDatabase } from '../src/db/client';
import * as entities from '../src/modules/entities/entities.repository';
import * as items from '../src/modules/items/items.repository';
import * as reports from '../src/modules/reports/reports.repository';

async function main(): Promise<void> {
  const database = await openDatabase({ url: process.env.DATABASE_URL!, poolMax: 10 });
  const db = database.db;
  const server = http.createServer(async (req, res) => {
    const slug = new URL(req.url ?? '/', 'http://x').searchParams.get('slug') ?? '';
    const report = await reports.findPublishedBySlug(db, slug);
    if (!report) {
      res.writeHead(404).end();
      return;
    }
    const [keywords, sections] = await Promise.all([reports.keywordsByReportIds(db, [report.id]), reports.sectionsByReportIds(db, [report.id])]);
    const sectionIds = sections.map((s) => s.id);
    const [sectionSources, sectionItems] = await Promise.all([items.sourcesBySectionIds(db, sectionIds), items.itemsBySectionIds(db, sectionIds)]);
    const itemIds = sectionItems.map((i) => i.id);
    const [tags, ents, itemSources] = await Promise.all([items.tagsByItemIds(db, itemIds), entities.entitiesByItemIds(db, itemIds), items.sourcesByItemIds(db, itemIds)]);
    const group = <T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> => {
      const m = new Map<K, T[]>();
      for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
      return m;
    };
    const tagsBy = group(tags, (t) => t.itemId);
    const entsBy = group(ents, (e) => e.itemId);
    const srcBy = group(itemSources, (s) => s.itemId);
    const secSrcBy = group(sectionSources, (s) => s.sectionId);
    const itemsBy = group(sectionItems, (i) => i.sectionId);
    const body = {
      data: {
        report: {
          id: report.id,
          slug: report.slug,
          title: report.title,
          keywords: keywords.map((k) => k.keyword),
          tags: report.tags,
          stats: { articleCount: report.articleCount },
          sections: sections.map((s) => ({
            id: s.id,
            key: s.key,
            title: s.title,
            body: s.body,
            sources: (secSrcBy.get(s.id) ?? []).map((x) => ({ url: x.url })),
            report: { slug: report.slug },
            items: (itemsBy.get(s.id) ?? []).map((i) => ({
              id: i.id,
              title: i.title,
              summary: i.summary,
              details: i.details,
              importance: i.importance,
              tags: (tagsBy.get(i.id) ?? []).map((t) => t.tag),
              entities: (entsBy.get(i.id) ?? []).map((e) => ({
                id: e.id,
                name: e.name,
                key: e.key,
                mentionCount: e.mentionCount,
                firstSeen: e.firstSeen?.toISOString() ?? null,
                lastSeen: e.lastSeen?.toISOString() ?? null,
              })),
              sources: (srcBy.get(i.id) ?? []).map((x) => ({ label: x.label, url: x.url, kind: x.kind, domain: x.domain })),
              section: { key: s.key },
              report: { slug: report.slug },
            })),
          })),
        },
      },
    };
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ceiling listening\n'));
}

void main();

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../src/db/client';
import { parseDigest, type Item, type Report } from '../../src/ingest';
import { storeReport, type StoreResult } from '../../src/modules/publishing/publishing.service';
import { EXAMPLES_DIR, SEED_FILE } from './corpus';

export const exampleReport = (name: '2026-11-20-ai-intel' | '2026-11-21-ai-digest-en'): Report =>
  parseDigest(readFileSync(join(EXAMPLES_DIR, `${name}.md`)), { fileName: `${name}.md` });

export const seedReport = (): Report => parseDigest(readFileSync(SEED_FILE), { fileName: SEED_FILE });

export const store = (db: Database, report: Report): Promise<StoreResult> => storeReport(db.db, report);

/** A synthetic report of `n` items spread over a few sections, for size-independence tests. */
export function syntheticReport(slug: string, n: number, date = '2026-01-01T00:00:00Z'): Report {
  const base = exampleReport('2026-11-20-ai-intel');
  const template = base.sections[0]!.items[0]!;
  const sections = [0, 1, 2].map((s) => ({
    ...base.sections[s]!,
    items: Array.from({ length: Math.ceil(n / 3) }, (_, i) => i * 3 + s)
      .filter((i) => i < n)
      .map((i) => ({
        ...template,
        title: `${template.title} #${i + 1}`,
        entities: [...template.entities, { name: `Entity ${i % 17}`, key: `entity ${i % 17}` }],
        position: i + 1,
      })),
  }));
  return { ...base, slug, date, draft: false, sections };
}

/** A Markdown digest of `sections` news sections of `items` items each, each item citing `links` sources. */
export function gridDigest(sections: number, items: number, links = 1): string {
  const out = ['---', 'title: "Grid"', 'date: 2026-01-01', '---', ''];
  for (let s = 1; s <= sections; s++) {
    out.push(`## Section ${s}`, '');
    for (let i = 1; i <= items; i++) {
      const sources = Array.from({ length: links }, (_, k) => `[link ${k}](https://example.com/${s}/${i}/${k})`).join(' | ');
      out.push(`### Item ${s}.${i}`, '', `**核心摘要**：item ${s}.${i}.`, '', `**來源**： ${sources}`, '');
    }
  }
  return out.join('\n');
}

/** An item with only a title (and what `more` gives): a match can come from nowhere else. */
export const plainItem = (position: number, title: string, more: Partial<Item> = {}): Item => ({
  title,
  summary: null,
  details: null,
  applications: null,
  body: null,
  entities: [],
  importance: 'MEDIUM',
  sources: [],
  tags: [],
  extra: [],
  position,
  ...more,
});

/** A report of the given items in one section, on the English example's metadata (no tags or keywords). */
export function reportOf(slug: string, date: string, items: Item[], draft = false): Report {
  const base = exampleReport('2026-11-21-ai-digest-en');
  return { ...base, slug, date, draft, keywords: [], tags: [], sections: [{ ...base.sections[0]!, items }] };
}

import type { Item, Report, Section } from '../src/ingest';
import { normaliseKey } from '../src/ingest';

/** A deterministic pseudo-random generator, so every run builds the same corpus. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = '模型 推理 代理 資料中心 基礎設施 安全 評測 開源 晶片 雲端 訓練 部署 多模態 強化學習 對齊 成本 延遲 規模 企業 監管 benchmark agent inference GPU latency RAG fine-tuning open-weights'.split(' ');
const SECTIONS: [string, string, string][] = [
  ['top-headlines', '今日焦點', 'Top Headlines'],
  ['model-research-updates', '模型與技術更新', 'Model & Research Updates'],
  ['tools-resources', '工具與資源', 'Tools & Resources'],
  ['industry-applications', '產業與應用動態', 'Industry Applications'],
  ['industry-trends-insights', '產業趨勢與觀點', 'Industry Trends & Insights'],
  ['key-market-updates', '市場動態精選', 'Key Market Updates'],
];
export const TAGS = ['LLM', 'RLHF', 'Agents', '基礎設施', '多模態', 'Safety', 'Open Source', 'Chips', 'Robotics', 'Policy'];
export const ENTITY_COUNT = 5000;
export const entityName = (rank: number): string => `Entity ${rank}`;

function text(r: () => number, chars: number): string {
  let out = '';
  while (out.length < chars) out += WORDS[Math.floor(r() * WORDS.length)] + (r() < 0.1 ? '。' : ' ');
  return out.slice(0, chars);
}

/** Zipf(1) over ENTITY_COUNT ranks by inverse CDF on precomputed weights. */
function zipf(r: () => number): () => number {
  const cdf: number[] = [];
  let total = 0;
  for (let k = 1; k <= ENTITY_COUNT; k++) cdf.push((total += 1 / k));
  return () => {
    const x = r() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** Report `index` days after 2016-01-01: 30 items in 6 sections, realistic text lengths. */
export function syntheticDigest(index: number, seed = 42): Report {
  const r = rng(seed * 100_003 + index);
  const pick = zipf(r);
  const date = new Date(Date.UTC(2016, 0, 1) + index * 86_400_000).toISOString().slice(0, 10);
  let position = 0;
  const sections: Section[] = SECTIONS.map(([key, title, titleEn], s) => ({
    key,
    title,
    titleEn,
    prose: false,
    body: null,
    sources: [],
    position: s + 1,
    items: Array.from({ length: 5 }, (): Item => {
      const names = [...new Set(Array.from({ length: 3 + Math.floor(r() * 6) }, () => entityName(pick())))];
      const tags = TAGS.filter(() => r() < 0.15);
      const imp = r();
      return {
        title: `${text(r, 24)} #${index}-${position + 1}`,
        summary: text(r, 220),
        details: Array.from({ length: 6 }, () => `- ${text(r, 120)}`).join('\n'),
        applications: Array.from({ length: 3 }, () => `- ${text(r, 60)}`).join('\n'),
        body: null,
        entities: names.map((name) => ({ name, key: normaliseKey(name) })),
        importance: imp < 0.1 ? 'HIGH' : imp < 0.77 ? 'MEDIUM' : 'LOW',
        sources: Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => ({
          label: `Source ${i + 1}`,
          url: `https://news.example.com/${date}/${index}-${position}-${i}`,
          kind: 'WEB' as const,
          domain: 'news.example.com',
          ref: `https://news.example.com/${date}/${index}-${position}-${i}`,
        })),
        tags,
        extra: [],
        position: ++position,
      };
    }),
  }));
  return {
    slug: `synthetic-${date}`,
    title: `Synthetic digest ${date}`,
    date: `${date}T06:00:00+08:00`,
    draft: false,
    tags: TAGS.slice(0, 5),
    description: text(r, 80),
    summary: text(r, 120),
    cover: null,
    stats: { articleCount: 200 + Math.floor(r() * 100), topicCount: 30 },
    collectionWindow: '過去 24 小時',
    generatedAt: null,
    keywords: TAGS.slice(0, 8),
    watchlist: [text(r, 50), text(r, 50)],
    intro: null,
    sections,
  };
}

export const NEWEST_INDEX = 3649;

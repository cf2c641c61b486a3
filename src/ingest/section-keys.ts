import { foldText, normaliseKey } from './normalise';

/** Sections known by their Chinese title alone, and the prose sections whose H3s are sub-headings. */
const KNOWN_TITLES: Record<string, string> = {
  今日焦點: 'top-headlines', 今日焦点: 'top-headlines',
  模型與技術更新: 'model-research-updates', 模型与技术更新: 'model-research-updates',
  工具與資源: 'tools-resources', 工具与资源: 'tools-resources',
  產業與應用動態: 'industry-applications', 产业与应用动态: 'industry-applications',
  產業趨勢與觀點: 'industry-trends-insights', 产业趋势与观点: 'industry-trends-insights',
  市場動態精選: 'key-market-updates', 市场动态精选: 'key-market-updates',
  編輯洞察: 'editors-insight', 编辑洞察: 'editors-insight',
  延伸閱讀與資源: 'further-reading', 延伸阅读与资源: 'further-reading',
  延伸閱讀: 'further-reading', 延伸阅读: 'further-reading',
};
const KNOWN_EN: Record<string, string> = {
  'further reading & resources': 'further-reading',
  'further reading and resources': 'further-reading',
};
export const PROSE_SECTION_KEYS: ReadonlySet<string> = new Set(['editors-insight', 'further-reading']);

/** `今日焦點（Top Headlines）` → title 今日焦點, titleEn Top Headlines (full-width or ASCII brackets). */
export function splitSectionTitle(heading: string): { title: string; titleEn: string | null } {
  const m = /^(.*?)\s*[（(]\s*([^（）()]*[A-Za-z][^（）()]*)\s*[）)]\s*$/.exec(heading.trim());
  if (m && m[1]!.trim()) return { title: m[1]!.trim(), titleEn: m[2]!.trim() };
  return { title: heading.trim(), titleEn: null };
}

/** A URL-safe slug; letters of any script are kept so Chinese-only titles still get a readable key. */
export function slugify(text: string): string {
  return foldText(text)
    .replace(/['’‘`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

export function sectionKey(title: string, titleEn: string | null): string {
  const zh = KNOWN_TITLES[title.replace(/\s+/g, '')];
  if (zh) return zh;
  if (titleEn) {
    const en = KNOWN_EN[normaliseKey(titleEn)];
    return en ?? slugify(titleEn);
  }
  const en = KNOWN_EN[normaliseKey(title)];
  return en ?? (slugify(title) || 'section');
}

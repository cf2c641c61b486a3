/**
 * The canonical, validated digest: what the parser and the publish path hand to storage.
 * `ReportInput` (schema.ts) is what callers may send; it normalises to `Report`.
 */
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';
export type SourceKind = 'WEB' | 'ARXIV' | 'UNRESOLVED';

export interface Source {
  label: string;
  /** An absolute URL, or null for a placeholder that names no real address. */
  url: string | null;
  kind: SourceKind;
  domain: string | null;
  /** The link target as written, so a rendered digest says what the original said. */
  ref: string | null;
}

export interface EntityRef {
  name: string;
  /** NFKC, case-folded, whitespace collapsed: the entity's identity across reports. */
  key: string;
}

export interface LabelledBlock {
  label: string;
  text: string;
}

export interface Item {
  title: string;
  summary: string | null;
  details: string | null;
  applications: string | null;
  /** Unlabelled Markdown under the heading (digests without labelled blocks). */
  body: string | null;
  entities: EntityRef[];
  importance: Importance | null;
  sources: Source[];
  tags: string[];
  /** Labelled blocks that are not one of the known fields: kept, never dropped. */
  extra: LabelledBlock[];
  /** 1-based order within the report. */
  position: number;
}

export interface Section {
  key: string;
  title: string;
  titleEn: string | null;
  /** A prose section (editor's insight, further reading) has a body and no items. */
  prose: boolean;
  body: string | null;
  sources: Source[];
  items: Item[];
  /** 1-based order within the report. */
  position: number;
}

export interface Report {
  slug: string;
  title: string;
  /** As written, offset kept: 2025-11-25T06:42:17+08:00 or 2026-02-14. */
  date: string;
  draft: boolean;
  tags: string[];
  description: string | null;
  summary: string | null;
  cover: { image: string; alt: string | null; relative: boolean | null } | null;
  stats: { articleCount: number; topicCount: number } | null;
  collectionWindow: string | null;
  generatedAt: string | null;
  keywords: string[];
  watchlist: string[];
  /** Markdown between the front matter and the first section. */
  intro: string | null;
  sections: Section[];
}

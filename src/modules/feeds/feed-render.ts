import { generateAtomFeed, generateJsonFeed, generateOpml, generateRssFeed } from 'feedsmith';
import MarkdownIt from 'markdown-it';
import type { FeedData, FeedEntry } from './feeds.service';

/**
 * Feeds in RSS 2.0, Atom 1.0 and JSON Feed 1.1 (feedsmith), from format-neutral entries. Output
 * depends only on the data (no "now" stamped anywhere), so an unchanged feed keeps its ETag.
 */

// html: false escapes any raw HTML a digest holds (a <script> arrives as text); markdown-it refuses
// javascript:, vbscript:, file: and data: links by itself.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const markdownToHtml = (markdown: string): string => md.render(markdown).trim();

/** Markdown text without its markup, for formats whose summary is plain text. */
const plain = (markdown: string): string => md.renderInline(markdown).replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

function contentHtml(e: FeedEntry): string {
  const blocks = e.content.map((b) => (b.heading ? `<h3>${escapeHtml(b.heading)}</h3>\n` : '') + markdownToHtml(b.markdown));
  const links = e.sources
    .filter((s) => s.url && /^https?:\/\//i.test(s.url))
    .map((s) => `<li><a href="${escapeHtml(s.url!)}">${escapeHtml(s.label || s.url!)}</a></li>`);
  if (links.length) blocks.push(`<ul>\n${links.join('\n')}\n</ul>`);
  return blocks.join('\n');
}

export interface FeedMeta {
  title: string;
  description: string;
  /** Absolute URL of this feed (rel="self"). */
  selfUrl: string;
  /** Absolute URL of the site (the server's index page). */
  homeUrl: string;
}

/** The feed's language when every entry shares one. */
function commonLanguage(entries: FeedEntry[]): string | undefined {
  const langs = new Set(entries.map((e) => e.language));
  return langs.size === 1 ? [...langs][0] : undefined;
}

const urn = (id: string): string => `urn:uuid:${id}`;

/**
 * Only characters XML 1.0 can hold (a document with any other is not well-formed for any reader).
 * Digests are refused such characters at publish; this covers rows stored before that check.
 */
const xmlChars = (xml: string): string => xml.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');

/**
 * feedsmith indents its XML, also around a CDATA section (which it uses for any text with <, > or
 * &): the whitespace would then belong to the value, and an atom:id or a link with a query string
 * would no longer be a valid IRI. A CDATA section is always its element's only content here.
 */
const tightCdata = (xml: string): string => xmlChars(xml.replace(/>\s+<!\[CDATA\[/g, '><![CDATA[').replace(/\]\]>\s+</g, ']]><'));

export function renderAtom(meta: FeedMeta, data: FeedData): string {
  const language = commonLanguage(data.entries);
  return tightCdata(generateAtomFeed({
    id: meta.selfUrl,
    title: { value: meta.title },
    subtitle: { value: meta.description },
    updated: data.updated,
    authors: [{ name: 'digestql' }],
    generator: { text: 'digestql' },
    links: [
      { href: meta.selfUrl, rel: 'self', type: 'application/atom+xml' },
      { href: meta.homeUrl, rel: 'alternate', type: 'text/html' },
    ],
    ...(language ? { xml: { lang: language } } : {}),
    entries: data.entries.map((e) => ({
      id: urn(e.id),
      title: { value: e.title },
      updated: e.updated,
      published: e.published,
      ...(e.link ? { links: [{ href: e.link, rel: 'alternate' }] } : {}),
      ...(e.summary ? { summary: { value: markdownToHtml(e.summary), type: 'html' } } : {}),
      content: { value: contentHtml(e), type: 'html' },
      categories: e.tags.map((t) => ({ term: t })),
      xml: { lang: e.language },
    })),
  }));
}

export function renderRss(meta: FeedMeta, data: FeedData): string {
  const language = commonLanguage(data.entries);
  return tightCdata(generateRssFeed({
    title: meta.title,
    link: meta.homeUrl,
    description: meta.description,
    ...(language ? { language } : {}),
    lastBuildDate: data.updated,
    generator: 'digestql',
    atom: { links: [{ href: meta.selfUrl, rel: 'self', type: 'application/rss+xml' }] },
    items: data.entries.map((e) => ({
      title: e.title,
      ...(e.link ? { link: e.link } : {}),
      guid: { value: urn(e.id), isPermaLink: false },
      pubDate: e.published,
      description: markdownToHtml(e.summary ?? e.content[0]?.markdown ?? ''),
      content: { encoded: contentHtml(e) },
      categories: e.tags.map((t) => ({ name: t })),
      dc: { languages: [e.language] },
    })),
  }));
}

export function renderJson(meta: FeedMeta, data: FeedData): string {
  const language = commonLanguage(data.entries);
  const feed = generateJsonFeed({
    title: meta.title,
    home_page_url: meta.homeUrl,
    feed_url: meta.selfUrl,
    description: meta.description,
    ...(language ? { language } : {}),
    authors: [{ name: 'digestql' }],
    items: data.entries.map((e) => ({
      id: e.id,
      title: e.title,
      ...(e.link ? { url: e.link } : {}),
      ...(e.summary ? { summary: plain(e.summary) } : {}),
      content_html: contentHtml(e),
      date_published: e.published,
      date_modified: e.updated,
      tags: e.tags,
      language: e.language,
    })),
  });
  return JSON.stringify(feed, null, 2);
}

export interface OpmlOutline {
  title: string;
  xmlUrl: string;
  htmlUrl: string;
}

export function renderOpml(title: string, groups: { title: string; outlines: OpmlOutline[] }[], updated: Date): string {
  return tightCdata(generateOpml({
    head: { title, dateModified: updated },
    body: {
      outlines: groups.map((g) => ({
        text: g.title,
        title: g.title,
        outlines: g.outlines.map((o) => ({ text: o.title, title: o.title, type: 'rss', xmlUrl: o.xmlUrl, htmlUrl: o.htmlUrl })),
      })),
    },
  }));
}

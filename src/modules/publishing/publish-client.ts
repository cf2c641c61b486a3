import type { StoreResult } from './publishing.service';
import { readFile } from 'node:fs/promises';
import { DigestParseError, parseDigest } from '../../ingest';

const MUTATION = `mutation Publish($markdown: String!, $slug: String) {
  publishMarkdown(markdown: $markdown, slug: $slug) { slug created draft added updated removed unchanged }
}`;

/** What publishMarkdown returns: the store result, as the API shows it. */
type PublishPayload = Omit<StoreResult, 'reportId' | 'eventCount'>;

/**
 * The generator's side of publishing: check the file here (so a bad file is named with its
 * line before anything is sent), then send it as is to `publishMarkdown`.
 */
export async function publishFile(file: string, url: string, token: string): Promise<{ ok: true; summary: string } | { ok: false; error: string }> {
  let markdown: string;
  let slug: string;
  try {
    const bytes = await readFile(file);
    slug = parseDigest(bytes, { fileName: file }).slug;
    markdown = bytes.toString('utf8');
  } catch (err) {
    return { ok: false, error: err instanceof DigestParseError ? err.message : `${file}: ${(err as Error).message}` };
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: MUTATION, variables: { markdown, slug } }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    return { ok: false, error: `${file}: cannot reach ${url}: ${(err as Error).message}` };
  }
  const body = (await res.json().catch(() => null)) as { data?: { publishMarkdown: PublishPayload } | null; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  const error = body?.errors?.[0];
  if (!res.ok || error || !body?.data) {
    const what = error ? `${error.extensions?.code ?? 'ERROR'}: ${error.message}` : `HTTP ${res.status}`;
    return { ok: false, error: `${file}: ${what}` };
  }
  const r = body.data.publishMarkdown;
  const change = r.created ? 'new' : `+${r.added.length} ~${r.updated.length} -${r.removed.length}`;
  return { ok: true, summary: `${r.slug} (${change}${r.draft ? ', draft' : ''})` };
}

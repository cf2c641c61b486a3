import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request refused before GraphQL sees it (body too large, not JSON): its status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request body as text, at most `limit` bytes (413 beyond). */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  // A declared length over the limit is refused before a byte of the body is read.
  if (Number(req.headers['content-length']) > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A POST's body as Apollo takes it: parsed JSON for a JSON content type (400 when it is not JSON), else the text. */
export async function readGraphQLBody(req: IncomingMessage, contentType: string, limit: number): Promise<unknown> {
  if (req.method !== 'POST') return undefined;
  const raw = await readBody(req, limit);
  if (!contentType.includes('application/json')) return raw;
  try {
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

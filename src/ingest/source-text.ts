import { DigestParseError } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes or text in, clean text out: UTF-8 checked (the bad line is named), BOM dropped,
 * CRLF and lone CR turned into LF.
 */
export function decodeDigest(input: string | Uint8Array): string {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          utf8.decode(bytes.subarray(start, i));
        } catch {
          throw new DigestParseError('the file is not valid UTF-8 text', line, 'encoding');
        }
        line++;
        start = i + 1;
      }
    }
    throw new DigestParseError('the file is not valid UTF-8 text', null, 'encoding');
  }
}

import { HeaderMap } from '@apollo/server';
import { matches, preflighted } from '../../../../src/server/http/request-headers';

const headers = (h: Record<string, string>) => new HeaderMap(Object.entries(h));

describe('If-None-Match', () => {
  const etag = '"abc"';
  it('names the ETag itself, weakly, in a list, or as *', () => {
    expect(matches('"abc"', etag)).toBe(true);
    expect(matches('W/"abc"', etag)).toBe(true);
    expect(matches('"x", "abc"', etag)).toBe(true);
    expect(matches('*', etag)).toBe(true);
  });
  it('does not match another tag, a prefix, or nothing', () => {
    expect(matches('"ab"', etag)).toBe(false);
    expect(matches('"abcd"', etag)).toBe(false);
    expect(matches('', etag)).toBe(false);
    expect(matches(undefined, etag)).toBe(false);
  });
});

describe("Apollo's CSRF rule (a cached GET is refused where an executed one would be)", () => {
  it('passes a non-simple content type or a preflight header', () => {
    expect(preflighted(headers({ 'content-type': 'application/json' }))).toBe(true);
    expect(preflighted(headers({ 'content-type': 'application/json; charset=utf-8' }))).toBe(true);
    expect(preflighted(headers({ 'apollo-require-preflight': 'true' }))).toBe(true);
    expect(preflighted(headers({ 'x-apollo-operation-name': 'One', 'content-type': 'text/plain' }))).toBe(true);
  });
  it('refuses what a browser sends cross-site without asking: no content type, or a simple one, and no preflight header', () => {
    expect(preflighted(headers({}))).toBe(false);
    expect(preflighted(headers({ 'content-type': 'text/plain' }))).toBe(false);
    expect(preflighted(headers({ 'content-type': 'Multipart/Form-Data; boundary=x' }))).toBe(false);
    expect(preflighted(headers({ 'content-type': 'application/x-www-form-urlencoded', 'apollo-require-preflight': '' }))).toBe(false);
  });
});

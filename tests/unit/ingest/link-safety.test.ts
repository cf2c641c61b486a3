import { linkScheme, unsafeTargetReason } from '../../../src/ingest/link-safety';

describe('link targets as a browser reads their scheme', () => {
  it.each([
    ['javascript:alert(1)', 'javascript'],
    ['JavaScript:alert(1)', 'javascript'],
    [' \u0001javascript:alert(1)', 'javascript'],
    ['java\tscript:alert(1)', 'javascript'],
    ['java\nscript:alert(1)', 'javascript'],
    ['javascript&#58;alert(1)', 'javascript'],
    ['javascript&#x3A;alert(1)', 'javascript'],
    ['javascript&colon;alert(1)', 'javascript'],
    ['&#106;avascript:alert(1)', 'javascript'],
    ['javascript\\:alert(1)', 'javascript'],
    ['data:text/html;base64,PHNjcmlwdD4=', 'data'],
    ['https://example.org/a:b', 'https'],
    ['/images/a:b.png', null],
    ['../x.md', null],
    ['#top', null],
    ['1', null],
    ['//cdn.example/x.png', null],
  ])('%j has scheme %j', (target, scheme) => {
    expect(linkScheme(target)).toBe(scheme);
  });

  it('allows https, http, arXiv citations and relative paths only', () => {
    for (const ok of ['https://a.example/', 'http://a.example/', 'arXiv:2405.17838', '/x', 'x/y', '#a', '?q=1']) {
      expect(unsafeTargetReason(ok)).toBeNull();
    }
    for (const bad of ['javascript:x', 'vbscript:x', 'data:x', 'file:///etc/passwd', 'mailto:a@b.c', 'blob:https://a/b']) {
      expect(unsafeTargetReason(bad)).toMatch(/only https:, http: and relative paths are allowed$/);
    }
  });
});

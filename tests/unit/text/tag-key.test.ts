import { normaliseKey } from '../../../src/ingest';
import { tagKey } from '../../../src/text/fold';

describe('tagKey', () => {
  it('folds width and case and trims, so every spelling of a tag is one key', () => {
    expect(tagKey('  ＧＰＴ-4o ')).toBe('gpt-4o');
    expect(tagKey('Agents')).toBe(tagKey('agents'));
    expect(tagKey('ＡＩ代理')).toBe('ai代理');
  });

  it('keeps inner whitespace and Traditional characters (search folding is not a tag rule)', () => {
    expect(tagKey('open  source')).toBe('open  source');
    expect(tagKey('供應鏈')).toBe('供應鏈');
  });

  it('is idempotent', () => {
    for (const t of [' Ｌｌａｍａ ', 'RLHF', '多模态', '']) expect(tagKey(tagKey(t))).toBe(tagKey(t));
  });

  it('differs from the entity key only in collapsing inner whitespace', () => {
    expect(normaliseKey(' Open   AI ')).toBe('open ai');
    expect(tagKey(' Open   AI ')).toBe('open   ai');
  });
});

import { detectLanguage } from '../../../src/ingest';

describe('detectLanguage', () => {
  it.each([
    ['開源推理模型釋出 7B 蒸餾版本，資料中心轉向液冷', 'zh-Hant'],
    ['开源推理模型释出 7B 蒸馏版本，数据中心转向液冷', 'zh-Hans'],
    ['Small reasoning models, agent safety and GPU supply', 'en'],
    ['AI 日報', 'zh'],
  ])('%s → %s', (text, tag) => {
    expect(detectLanguage(text)).toBe(tag);
  });
});

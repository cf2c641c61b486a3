/**
 * The language a digest is written in, as a BCP 47 tag, from its text: digests carry no language
 * field, and the generators write either Traditional Chinese, Simplified Chinese or English.
 * Han text is told apart by characters that exist in only one of the two scripts.
 */
const TRADITIONAL = new Set('這個們來說時會對發從經於與體開關應實點機種動學國處還過麼現資訊誌術語當將區產業據務選擇統數議題員標準頭條濟礎庫雲驗練測試構網絡軟釋佈碼寫讀邊屬幣價萬億歐美韓壓縮顯視廣覽聽認識詞彙'.split(''));
const SIMPLIFIED = new Set('这个们来说时会对发从经于与体开关应实点机种动学国处还过么现资讯志术语当将区产业据务选择统数议题员标准头条济础库云验练测试构网络软释布码写读边属币价万亿欧韩压缩显视广览听认识词汇'.split(''));
const HAN = /\p{Script=Han}/u;

export function detectLanguage(text: string): string {
  let traditional = 0;
  let simplified = 0;
  let han = 0;
  for (const ch of text) {
    if (TRADITIONAL.has(ch)) traditional++;
    else if (SIMPLIFIED.has(ch)) simplified++;
    else if (HAN.test(ch)) han++;
  }
  if (traditional + simplified + han === 0) return 'en';
  if (traditional === simplified) return 'zh';
  return traditional > simplified ? 'zh-Hant' : 'zh-Hans';
}

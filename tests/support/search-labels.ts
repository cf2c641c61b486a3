/**
 * The labelled query set for search recall (issue 12): each query with the items (by title) a reader
 * asking it wants, over examples/ and ../shared/corpus/. Labelled from the digests' titles as written
 * (Traditional or Simplified, whichever the digest used; exclusions checked against the whole item),
 * independently of the search tokeniser: a Simplified query's relevant items are written in Traditional.
 */
export interface LabelledQuery {
  query: string;
  kind: 'Traditional' | 'Simplified' | 'Chinese' | 'English' | 'mixed' | 'phrase' | 'exclusion';
  relevant: string[];
}

export const LABELLED_QUERIES: LabelledQuery[] = [
  { query: '評判', kind: 'Traditional', relevant: ["以大型語言模型作為評判者的技術方法與框架"] },
  { query: '评判', kind: 'Simplified', relevant: ["以大型語言模型作為評判者的技術方法與框架"] },
  { query: '蒸餾', kind: 'Traditional', relevant: ["無需強化學習，蘋果團隊「簡單自蒸餾」實現 Coding 模型自進化", "開源推理模型釋出 7B 蒸餾版本"] },
  { query: '獎勵模型', kind: 'Traditional', relevant: ["多專家獎勵模型降低 RLHF 的獎勵駭客行為"] },
  { query: '奖励模型', kind: 'Simplified', relevant: ["多專家獎勵模型降低 RLHF 的獎勵駭客行為"] },
  { query: '資料中心', kind: 'Traditional', relevant: ["Mistral AI 借債 8.3 億美元在巴黎建資料中心", "NVIDIA GTC 前夕風向微變：Stargate 停滯、中東地緣風險衝擊資料中心建設", "Sanders 和 AOC 提案全面禁止新建資料中心", "Starcloud 融 1.7 億美元要在太空建資料中心", "孟買資料中心推升對燃煤供電的依賴", "資料中心轉向液冷與再生能源採購"] },
  { query: '资料中心', kind: 'Simplified', relevant: ["Mistral AI 借債 8.3 億美元在巴黎建資料中心", "NVIDIA GTC 前夕風向微變：Stargate 停滯、中東地緣風險衝擊資料中心建設", "Sanders 和 AOC 提案全面禁止新建資料中心", "Starcloud 融 1.7 億美元要在太空建資料中心", "孟買資料中心推升對燃煤供電的依賴", "資料中心轉向液冷與再生能源採購"] },
  { query: '液冷', kind: 'Traditional', relevant: ["資料中心轉向液冷與再生能源採購"] },
  { query: '基礎設施', kind: 'Traditional', relevant: ["AWS 為美國政府建置 50 億美元 AI 基礎設施", "Qwen AI 千萬下載與 AI 基礎設施挑戰"] },
  { query: '基础设施', kind: 'Simplified', relevant: ["AWS 為美國政府建置 50 億美元 AI 基礎設施", "Qwen AI 千萬下載與 AI 基礎設施挑戰"] },
  { query: '評估', kind: 'Traditional', relevant: ["Humane Bench：評估聊天機器人心理安全與福祉", "文本中危害資訊偵測與模型安全性評估", "銀行評估金融科技公司遭駭資料外洩"] },
  { query: '评估', kind: 'Simplified', relevant: ["Humane Bench：評估聊天機器人心理安全與福祉", "文本中危害資訊偵測與模型安全性評估", "銀行評估金融科技公司遭駭資料外洩"] },
  { query: '監管', kind: 'Traditional', relevant: ["AI 公司砸 1.25 億美元阻擋推動 AI 監管的前科技高管選國會", "Tesla FSD 軟體可能未獲歐盟／荷蘭監管批准"] },
  { query: '機器人', kind: 'Traditional', relevant: ["Apple Siri 將變身開放平台，iOS 27 接入所有 AI 聊天機器人", "Google 把 Alphabet 機器人子公司 Intrinsic 收回核心", "Humane Bench：評估聊天機器人心理安全與福祉", "人形機器人狂熱：創業三年融資 50 億上市", "智元機器人突破一萬台量產，搶在特斯拉前面"] },
  { query: '机器人', kind: 'Simplified', relevant: ["Apple Siri 將變身開放平台，iOS 27 接入所有 AI 聊天機器人", "Google 把 Alphabet 機器人子公司 Intrinsic 收回核心", "Humane Bench：評估聊天機器人心理安全與福祉", "人形機器人狂熱：創業三年融資 50 億上市", "智元機器人突破一萬台量產，搶在特斯拉前面"] },
  { query: '營收', kind: 'Traditional', relevant: ["NVIDIA 財報創紀錄：營收 681 億美元，老黃定調智能體拐點", "戴爾 Q4 營收翻倍成長，但 AI 毛利率拉警報", "百度 AI 業務營收佔比達 43%，全年 AI 收入 400 億人民幣", "第一層：Anthropic 的營收警報", "英伟达单季营收 680 亿却暴跌数千亿市值"] },
  { query: '营收', kind: 'Simplified', relevant: ["NVIDIA 財報創紀錄：營收 681 億美元，老黃定調智能體拐點", "戴爾 Q4 營收翻倍成長，但 AI 毛利率拉警報", "百度 AI 業務營收佔比達 43%，全年 AI 收入 400 億人民幣", "第一層：Anthropic 的營收警報", "英伟达单季营收 680 亿却暴跌数千亿市值"] },
  { query: '市值', kind: 'Traditional', relevant: ["Claude Code Security 發布，網路安全股蒸發百億市值", "MiniMax 與智譜雙雙突破 3000 億港幣市值", "SaaS 產業蒸發兩兆美元市值", "智譜 GLM-5.1 發布再漲價，市值衝破 4000 億港元", "疯狂的\"龙虾\"，撑起 MiniMax 3826 亿市值", "英伟达单季营收 680 亿却暴跌数千亿市值"] },
  { query: '開發者生態', kind: 'Traditional', relevant: ["第三層：開發者生態", "第三層：開發者生態的價值重估", "第三層：開發者生態的質變", "第三層：開發者生態的重構"] },
  { query: '芯片', kind: 'Simplified', relevant: ["AMD-Meta 千億美元 AI 芯片大單"] },
  { query: '智譜', kind: 'Traditional', relevant: ["MiniMax 與智譜雙雙突破 3000 億港幣市值", "免費 AI 時代要結束了？騰訊雲漲價 5%、智譜提價 10%", "智譜 GLM-5.1 發布再漲價，市值衝破 4000 億港元", "智谱 GLM-5 技术论文全公开"] },
  { query: '阶跃星辰', kind: 'Simplified', relevant: ["阶跃星辰考慮赴港 IPO，計劃籌集約 5 億美元", "阶跃星辰被曝赴港 IPO，最早今年"] },
  { query: '百度', kind: 'Chinese', relevant: ["BAT 集體搶灘 OpenClaw 生態：百度出紅手指 Operator、騰訊一口氣推五款龍蝦產品", "全球算力告急：阿里雲、百度雲同日官宣漲價，最高漲 34%", "百度 AI 業務營收佔比達 43%，全年 AI 收入 400 億人民幣", "百度 AI 营销收入同比增长 301%"] },
  { query: '台灣', kind: 'Traditional', relevant: ["台灣的位置：缺人比缺工更嚴重", "台灣的獨特位置"] },
  { query: '英偉達', kind: 'Traditional', relevant: ["英伟达 GTC 2026 重磅前瞻", "英伟达单季营收 680 亿却暴跌数千亿市值", "英伟达豪掷 $26B 下场造 AI 模型，直接叫板 OpenAI"] },
  { query: 'Seedance', kind: 'English', relevant: ["AI 視頻三國殺：阿里 HappyHorse 登頂、字節開放 Seedance 2.0 API", "ByteDance 暫停 Seedance 2.0 影片生成器全球發布", "Disney Blasts ByteDance with Cease and Desist over Seedance 2.0", "Seedance 2.0 出海受阻：好萊塢版權警告函直接叫停", "Seedance 2.0 嚇壞好萊塢，Disney 直接發律師信", "Seedance 2.0：引爆點", "Sora 沒了，但字節的 Seedance 還不能躺平", "字節 Seedance 2.0 死磕影片生成「不可能三角」", "字節 Seedance 2.0 版權危機：為什麼 OpenAI 和 Anthropic 打得贏，字節卻打不贏？", "斷層碾壓 Seedance 2.0：神秘「歡樂馬」空降榜首"] },
  { query: 'altman', kind: 'English', relevant: ["\"The problem is Sam Altman\": OpenAI Insiders don't trust CEO", "Altman 在史丹佛宣判 Transformer 死刑：下一代架構正在路上", "Ilya 踢走 Altman 的真正原因曝光", "OpenAI's Sam Altman announces Pentagon deal with 'technical safeguards'", "Sam Altman 回應燃燒彈攻擊與紐約客重磅調查：OpenAI 的一週地獄", "Sam Altman 的 World 跟 Tinder 合作做身分驗證", "Sam Altman 終於承認純 scaling 到不了 AGI", "Sam Altman, unconstrained by the truth", "Sam Altman：訓練人類也很耗能的", "The attacks on Sam Altman are a warning for the AI world"] },
  { query: 'VERCEPT', kind: 'English', relevant: ["Anthropic acquires computer-use AI startup Vercept", "Anthropic 收購 Vercept，替 Computer Use 補上視覺短板"] },
  { query: 'Pentagon', kind: 'English', relevant: ["Anthropic 拒絕五角大廈最後通牒，堅守不做自主武器", "Anthropic's Claude rises to No. 2 in the App Store following Pentagon dispute", "New court filing reveals Pentagon told Anthropic the two sides were nearly aligned — a week after Trump declared the relationship kaput", "OpenAI hardware exec Caitlin Kalinowski quits over Pentagon deal", "OpenAI 五角大廈合約細節曝光", "OpenAI's Sam Altman announces Pentagon deal with 'technical safeguards'", "Pentagon threatens to cut off Anthropic in AI safeguards dispute", "Tensions between The Pentagon and AI giant Anthropic reach a boiling point"] },
  { query: 'Karpathy', kind: 'English', relevant: ["Andrej Karpathy talks about \"Claws\"", "Karpathy 破防：寫程式碼 AI 沒門檻了，但部署環節真的難", "Karpathy 談 Coding Agent：過去兩個月程式開發徹底變了", "Karpathy 開源 autoresearch：AI 通宵跑完 276 次實驗", "Karpathy：App Store 過時了，軟體要即興創作", "MatX 融資 5 億美元，Karpathy 也投了", "Simile: 斯坦福小鎮團隊創業，李飛飛和 Karpathy 都投了"] },
  { query: 'Perplexity', kind: 'English', relevant: ["Judge Orders Perplexity to Stop AI Agents from Shopping on Amazon", "Perplexity 發布 Perplexity Computer，通用 AI 操控系統", "Perplexity's \"Personal Computer\" brings AI agents to your Mac", "Samsung is adding Perplexity to Galaxy AI"] },
  { query: 'Grok', kind: 'English', relevant: ["AI 模型賭球全部慘賠，Grok 是最大輸家", "Grok Deepfakes Almost Banned from Apple App Store", "Grok gains US market share amid sexualized images backlash", "Grok is now pretty good at answering questions about Baldur's Gate", "Ireland joins regulator smackdown after X's Grok AI accused of undressing people", "X says you can block Grok from editing your photos", "青少年因 Grok 生成 CSAM 起訴 xAI"] },
  { query: 'RLHF', kind: 'English', relevant: ["Multi-expert reward models reduce reward hacking in RLHF", "多專家獎勵模型降低 RLHF 的獎勵駭客行為"] },
  { query: 'Godot', kind: 'English', relevant: ["Godot maintainers struggle with 'demoralizing' AI slop PRs", "Open-source game engine Godot is drowning in 'AI slop' code contributions"] },
  { query: 'Mistral', kind: 'English', relevant: ["Introducing Mistral Small 4 — Apache 2 開源的 119B MoE 統一模型", "Koyeb Is Joining Mistral AI to Build the Future of AI Infrastructure", "Mistral AI to Buy Infrastructure Startup Koyeb", "Mistral AI 借債 8.3 億美元在巴黎建資料中心", "Mistral AI 和 Accenture 簽約合作"] },
  { query: 'MiniMax', kind: 'English', relevant: ["MiniMax M2.5 連續一個月霸佔全球 LLM 調用量榜首", "MiniMax M2.7 上線：第一個深度參與迭代自己的模型", "MiniMax 悄改 M2.7 開源授權，社群炸鍋", "MiniMax 春节杀疯了：Tokens 周调用破 3T，港股暴涨", "MiniMax 與智譜雙雙突破 3000 億港幣市值", "疯狂的\"龙虾\"，撑起 MiniMax 3826 亿市值"] },
  { query: 'Opus 4.5', kind: 'mixed', relevant: ["Anthropic Opus 4.5 在 Amazon Bedrock 的技術脈絡"] },
  { query: 'GPT-5.3', kind: 'mixed', relevant: ["GPT-5.3 Instant: 治好爹味、砍掉廢話、幻覺率降 27%", "GPT-5.3-Codex System Card", "Introducing GPT-5.3-Codex", "Introducing GPT-5.3-Codex-Spark"] },
  { query: 'Gemini 3.1', kind: 'mixed', relevant: ["Gemini 3.1 Flash TTS", "Gemini 3.1 Flash-Lite: 363 tokens/s、四分之一價格碾壓全場", "Gemini 3.1 Pro Preview：最「小」的一次迭代，最猛的一波提升", "Nano Banana 2 泄露，Gemini 3.1 Flash Image 預覽版"] },
  { query: 'Claude Code Security', kind: 'mixed', relevant: ["Claude Code Security 發布，網路安全股蒸發百億市值"] },
  { query: 'Nano Banana 2', kind: 'mixed', relevant: ["Google Nano Banana 2 全面上線，免費用戶也能用 Pro 級生圖", "Nano Banana 2 泄露，Gemini 3.1 Flash Image 預覽版"] },
  { query: 'Qwen AI 下載', kind: 'mixed', relevant: ["Qwen AI 千萬下載與 AI 基礎設施挑戰"] },
  { query: 'AI 裁員', kind: 'mixed', relevant: ["Block 的震撼彈：當 AI 裁員從暗示變成宣告"] },
  { query: '千問 3.5', kind: 'mixed', relevant: ["阿里雲 Coding Plan 加入千問 3.5 和 GLM-4.7"] },
  { query: '"reward hacking"', kind: 'phrase', relevant: ["Multi-expert reward models reduce reward hacking in RLHF"] },
  { query: '"lost in the middle"', kind: 'phrase', relevant: ["Position-randomised retrieval training fixes \"lost in the middle\""] },
  { query: '"AI slop"', kind: 'phrase', relevant: ["Godot maintainers struggle with 'demoralizing' AI slop PRs", "Open-source game engine Godot is drowning in 'AI slop' code contributions", "Pinterest is drowning in a sea of AI slop", "微軟新任遊戲 CEO 承諾不用 AI slop 淹沒生態", "第三層：AI Slop 的反噬"] },
  { query: '"Deep Think"', kind: 'phrase', relevant: ["Gemini 3 Deep Think: Advancing science, research and engineering", "Google Deep Think 八語奧賽屠榜，自主攻克 4 大未解難題"] },
  { query: '"開發者生態"', kind: 'phrase', relevant: ["第三層：開發者生態", "第三層：開發者生態的價值重估", "第三層：開發者生態的質變", "第三層：開發者生態的重構"] },
  { query: 'Mistral -Koyeb', kind: 'exclusion', relevant: ["Introducing Mistral Small 4 — Apache 2 開源的 119B MoE 統一模型", "Mistral AI 借債 8.3 億美元在巴黎建資料中心", "Mistral AI 和 Accenture 簽約合作"] },
  { query: 'MiniMax -春節', kind: 'exclusion', relevant: ["MiniMax M2.5 連續一個月霸佔全球 LLM 調用量榜首", "MiniMax M2.7 上線：第一個深度參與迭代自己的模型", "MiniMax 悄改 M2.7 開源授權，社群炸鍋", "MiniMax 與智譜雙雙突破 3000 億港幣市值", "疯狂的\"龙虾\"，撑起 MiniMax 3826 亿市值"] },
  { query: '資料中心 -燃煤', kind: 'exclusion', relevant: ["Mistral AI 借債 8.3 億美元在巴黎建資料中心", "NVIDIA GTC 前夕風向微變：Stargate 停滯、中東地緣風險衝擊資料中心建設", "Sanders 和 AOC 提案全面禁止新建資料中心", "Starcloud 融 1.7 億美元要在太空建資料中心", "資料中心轉向液冷與再生能源採購"] },
  { query: 'Grok -Baldur', kind: 'exclusion', relevant: ["AI 模型賭球全部慘賠，Grok 是最大輸家", "Grok Deepfakes Almost Banned from Apple App Store", "Grok gains US market share amid sexualized images backlash", "Ireland joins regulator smackdown after X's Grok AI accused of undressing people", "X says you can block Grok from editing your photos", "青少年因 Grok 生成 CSAM 起訴 xAI"] },
];

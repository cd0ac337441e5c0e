// The seeded text: articles, comments and bios a person would read, in English and, one article in ten, in
// Korean (with its particles, as a Korean reader writes and searches: 인덱스를, 잠금을). Written from sentence
// templates whose words are drawn with a skew, so that a few words are common and many rare, as in real
// writing (a search can be measured on both); each article also names one series out of 2,000, drawn the same
// way. Texts are made once into pools and picked from: a million articles cost no more than the rows.

/** A seedable random stream: mulberry32 (Math.random cannot be seeded). */
export type Random = () => number;

export function prng(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;

/** 1..n, skewed towards 1 (popular tags, prolific authors, common words): the square of a uniform draw. */
export const skewed = (random: Random, n: number): number => 1 + Math.floor(random() * random() * n);

/**
 * An item of `items` as words occur in writing (Zipf's law): the k-th is drawn about 1/k as often as the
 * first (the rank is e to a uniform power, so its logarithm is uniform).
 */
const zipfIndex = (random: Random, n: number) => Math.floor(Math.exp(random() * Math.log(n + 1))) - 1;
const common = <T>(random: Random, items: readonly T[]): T => items[zipfIndex(random, items.length)]!;

/** Where a text names its article's topic (the article's first tag), filled in when the row is made. */
const TOPIC = '§';

const THINGS =
  'queries|indexes|tests|deploys|caches|logs|schemas|migrations|timeouts|retries|queues|locks|transactions|replicas|backups|dashboards|alerts|releases|code reviews|benchmarks|traces|feature flags|connection pools|cold starts|memory leaks|race conditions|deadlocks|flaky tests|error budgets|postmortems|rollbacks|canary releases|vacuum runs|query plans|page loads|webhooks|cron jobs|rate limits|session tokens|slow pages'.split(
    '|',
  );
const QUALITIES =
  'small|simple|slow|careful|boring|quiet|hidden|shared|stale|noisy|costly|fragile|steady|sudden|subtle|forgotten|surprising|tidy|stubborn|honest'.split(
    '|',
  );

const DESCRIPTIONS_EN = [
  (r: Random) => `What we learned about ${common(r, THINGS)} while working on ${TOPIC}.`,
  (r: Random) => `A practical look at ${common(r, QUALITIES)} ${common(r, THINGS)} in ${TOPIC}.`,
  (r: Random) => `How ${TOPIC} changed the way our team thinks about ${common(r, THINGS)}.`,
  (r: Random) =>
    `Notes on ${common(r, THINGS)}, ${common(r, THINGS)} and the ${common(r, QUALITIES)} parts of ${TOPIC}.`,
  (r: Random) => `Why ${common(r, QUALITIES)} ${common(r, THINGS)} matter more than they seem.`,
  (r: Random) => `A year of ${TOPIC}: the ${common(r, THINGS)} we kept and the ones we dropped.`,
];

const SENTENCES_EN = [
  (r: Random) => `Most teams meet ${common(r, THINGS)} long before they plan for them.`,
  (r: Random) =>
    `In ${TOPIC}, the first sign of trouble is usually ${common(r, QUALITIES)} ${common(r, THINGS)}.`,
  (r: Random) => `We measured our ${common(r, THINGS)} for a week, and the numbers surprised us.`,
  (r: Random) =>
    `The fix was ${common(r, QUALITIES)}: fewer ${common(r, THINGS)}, and better ${common(r, THINGS)}.`,
  (r: Random) =>
    `Nobody wanted to touch the ${common(r, THINGS)}, so they stayed ${common(r, QUALITIES)} for months.`,
  (r: Random) => `A ${common(r, QUALITIES)} change to our ${common(r, THINGS)} saved an hour every day.`,
  (r: Random) => `If you remember one thing, remember that ${common(r, THINGS)} are never free.`,
  (r: Random) => `The hard part was not ${TOPIC} itself but the ${common(r, THINGS)} around it.`,
  (r: Random) => `Writing it down made the ${common(r, QUALITIES)} cases easy to see.`,
  (r: Random) => `Our first attempt made the ${common(r, THINGS)} worse before it made them better.`,
  (r: Random) => `Reviews caught most of the ${common(r, THINGS)}, but not the ${common(r, QUALITIES)} ones.`,
  (r: Random) => `Start with the ${common(r, THINGS)} you can measure, then the ones you cannot.`,
  (r: Random) =>
    `Two requests that wait for each other cost twice the ${common(r, THINGS)} of two that run together.`,
  (r: Random) => `We still argue about ${common(r, THINGS)}, but now we argue with numbers.`,
];

const COMMENTS_EN = [
  (r: Random) => `Great write-up; the part about ${common(r, THINGS)} helped us a lot.`,
  (r: Random) => `We hit the same ${common(r, QUALITIES)} ${common(r, THINGS)} last month.`,
  (r: Random) => `How did you measure the ${common(r, THINGS)}? I would love to see the numbers.`,
  (r: Random) => `I disagree about ${common(r, THINGS)}, but the rest matches what we saw.`,
  (r: Random) => `Bookmarked. Our ${common(r, THINGS)} need exactly this.`,
];

/** Korean nouns, as THINGS: each takes its particles by whether it ends in a consonant (받침). */
const THINGS_KO =
  '쿼리|인덱스|테스트|배포|캐시|로그|스키마|마이그레이션|타임아웃|재시도|큐|잠금|트랜잭션|복제본|백업|대시보드|알림|릴리스|코드 리뷰|벤치마크|비동기 처리|동시성|커넥션 풀|메모리 누수|장애 대응|실행 계획|지연 시간|웹훅|세션 토큰|느린 페이지'.split(
    '|',
  );
const QUALITIES_KO =
  '작은|단순한|느린|조심스러운|지루한|조용한|숨은|공유된|오래된|시끄러운|비싼|깨지기 쉬운|꾸준한|갑작스러운|미묘한'.split(
    '|',
  );
const VERBS_KO =
  '이해하기|디버깅하기|확장하기|테스트하기|다시 생각하기|설계하기|측정하기|배포하기|가르치기|단순하게 만들기'.split(
    '|',
  );

/** Whether a Korean word ends in a consonant (받침), which decides its particles. */
const endsInConsonant = (word: string) => {
  const code = word.charCodeAt(word.length - 1);
  return code >= 0xac00 && code <= 0xd7a3 && (code - 0xac00) % 28 !== 0;
};

/** `word` with the particle its ending takes: 을/를, 은/는, 이/가, 과/와, 이다/다, 이었다/였다. */
export function withParticle(word: string, particle: '을' | '은' | '이' | '과' | '이다' | '이었다'): string {
  const consonant = endsInConsonant(word);
  const after = {
    을: ['을', '를'],
    은: ['은', '는'],
    이: ['이', '가'],
    과: ['과', '와'],
    이다: ['이다', '다'],
    이었다: ['이었다', '였다'],
  }[particle];
  return word + (consonant ? after[0] : after[1]);
}

const thingKo = (r: Random, particle?: Parameters<typeof withParticle>[1]) => {
  const word = common(r, THINGS_KO);
  return particle === undefined ? word : withParticle(word, particle);
};

const DESCRIPTIONS_KO = [
  (r: Random) => `${TOPIC} 작업에서 ${thingKo(r)}에 대해 배운 것들.`,
  (r: Random) => `${common(r, QUALITIES_KO)} ${thingKo(r, '을')} 다루는 실용적인 방법.`,
  (r: Random) => `${TOPIC} 덕분에 우리 팀이 ${thingKo(r, '을')} 바라보는 방식이 바뀌었다.`,
  (r: Random) => `${thingKo(r, '은')} 생각보다 중요하다.`,
  (r: Random) => `${TOPIC}의 일 년: 남긴 ${thingKo(r)}, 버린 ${thingKo(r)}.`,
];

const SENTENCES_KO = [
  (r: Random) => `대부분의 팀은 계획하기 전에 먼저 ${thingKo(r, '을')} 만난다.`,
  (r: Random) => `${TOPIC}에서 첫 신호는 보통 ${common(r, QUALITIES_KO)} ${thingKo(r, '이다')}.`,
  (r: Random) => `일주일 동안 ${thingKo(r, '을')} 측정했더니 숫자가 놀라웠다.`,
  (r: Random) => `해결책은 단순했다: ${thingKo(r, '을')} 줄이고 ${thingKo(r, '을')} 다듬었다.`,
  (r: Random) => `${thingKo(r, '은')} 결코 공짜가 아니다.`,
  (r: Random) => `어려운 부분은 ${TOPIC} 자체가 아니라 그 주변의 ${thingKo(r, '이었다')}.`,
  (r: Random) => `비동기 코드에서 ${thingKo(r, '이')} 한꺼번에 몰리면 지연 시간이 늘어난다.`,
  (r: Random) => `리뷰에서 대부분의 ${thingKo(r, '을')} 잡았지만 ${common(r, QUALITIES_KO)} 것은 놓쳤다.`,
  (r: Random) => `측정할 수 있는 ${thingKo(r)}부터 시작하고, 그다음에 나머지를 보라.`,
  (r: Random) => `서로를 기다리는 두 요청은 함께 도는 두 요청보다 ${thingKo(r)} 비용이 두 배다.`,
  (r: Random) => `우리는 아직도 ${thingKo(r, '을')} 두고 다투지만, 이제는 숫자로 다툰다.`,
];

const COMMENTS_KO = [
  (r: Random) => `좋은 글이네요. ${thingKo(r)}에 대한 부분이 특히 도움이 됐어요.`,
  (r: Random) => `저희도 지난달에 똑같이 ${common(r, QUALITIES_KO)} ${thingKo(r, '을')} 겪었습니다.`,
  (r: Random) => `${thingKo(r, '은')} 어떻게 측정하셨나요? 숫자가 궁금합니다.`,
  (r: Random) => `${thingKo(r, '과')} 관련된 부분은 생각이 다르지만, 나머지는 저희 경험과 같아요.`,
];

/** Two to four sentences, each from a different template. */
function paragraph(r: Random, sentences: readonly ((r: Random) => string)[]): string {
  const left = [...sentences];
  return Array.from({ length: 2 + Math.floor(r() * 3) }, () =>
    left.splice(Math.floor(r() * left.length), 1)[0]!(r),
  ).join(' ');
}

/**
 * Texts are picked from pools made once, not written for every row: a million articles' bodies would
 * otherwise cost more time than loading them.
 */
const POOL = 1_024;
const textPool = (seed: number, text: (random: Random) => string) => {
  const random = prng(seed);
  return Array.from({ length: POOL }, () => text(random));
};

/** A pool's text, split where it names its topic when it does (`about` puts the topic back). */
export type Template = string | readonly string[];

const templates = (texts: readonly string[]): readonly Template[] =>
  texts.map((text) => (text.includes(TOPIC) ? text.split(TOPIC) : text));

/** The text of `template` about `topic`. */
export const about = (template: Template, topic: string): string =>
  typeof template === 'string' ? template : template.join(topic);

/** The texts of one language. */
export type Texts = Readonly<{
  /** Titles about a topic (a verb, a noun and the topic), and at the same index the slug each makes. */
  titles: readonly Template[];
  slugs: readonly Template[];
  descriptions: readonly Template[];
  paragraphs: readonly Template[];
  comments: readonly string[];
  /** The closing line that names each series, in SERIES' order. */
  seriesLines: readonly string[];
}>;

const VERBS_EN =
  'Understanding|Debugging|Scaling|Testing|Rethinking|Designing|Measuring|Shipping|Teaching|Simplifying'.split(
    '|',
  );

/** A language's texts: `title` draws a title, `series` writes a series' closing line. */
function texts(
  seed: number,
  title: (random: Random) => string,
  pools: Pick<Texts, 'descriptions' | 'paragraphs' | 'comments'>,
  series: (name: string) => string,
): Texts {
  const titles = textPool(seed, title);
  return {
    titles: templates(titles),
    // Titles are letters, digits, hyphens and spaces: slugify's slug without a regular expression.
    slugs: templates(titles.map((text) => text.toLowerCase().replaceAll(' ', '-'))),
    ...pools,
    seriesLines: SERIES.map(series),
  };
}

/** One article in this many is written in Korean. */
export const KOREAN_EVERY = 10;

const SERIES_FIRST =
  'amber|silver|quiet|northern|paper|copper|hidden|late|early|winter|summer|iron|glass|velvet|hollow|bright|distant|little|second|last|open|narrow|golden|crimson|patient|sleepy|rapid|gentle|wild|plain|lucky|lonely|brave|tiny|vast|slow|wooden|marble|electric|secret'.split(
    '|',
  );
const SERIES_SECOND =
  'lantern|harbor|orchard|compass|ledger|bridge|garden|signal|river|tower|meadow|anchor|beacon|canyon|engine|forest|island|journal|kettle|ladder|mirror|needle|pocket|quarry|ribbon|saddle|thimble|valley|window|harvest|atlas|barrel|candle|desert|ember|falcon|glacier|hammer|inkwell|jigsaw|kiosk|lagoon|mosaic|nectar|oasis|pebble|quill|rocket|sundial|tundra'.split(
    '|',
  );

/** 2,000 series names ("amber lantern"), the first ones common, most rare. */
export const SERIES: readonly string[] = SERIES_FIRST.flatMap((first) =>
  SERIES_SECOND.map((second) => `${first} ${second}`),
);

/** An article's series (its index in SERIES), drawn as words are: a few hold many articles, most a few. */
export const seriesOf = (random: Random) => zipfIndex(random, SERIES.length);

/** `make`'s value, made at the first call: the pools cost a process that never seeds (`gather serve`) nothing. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

const english = once(() =>
  texts(
    10,
    (r) => `${pick(r, VERBS_EN)} ${common(r, THINGS)} in ${TOPIC}`,
    {
      descriptions: templates(textPool(11, (r) => pick(r, DESCRIPTIONS_EN)(r))),
      paragraphs: templates(textPool(12, (r) => paragraph(r, SENTENCES_EN))),
      comments: textPool(13, (r) => pick(r, COMMENTS_EN)(r)),
    },
    (name) => `This post is part of our ${name} series.`,
  ),
);

const korean = once(() =>
  texts(
    20,
    (r) => `${TOPIC}에서 ${thingKo(r, '을')} ${pick(r, VERBS_KO)}`,
    {
      descriptions: templates(textPool(21, (r) => pick(r, DESCRIPTIONS_KO)(r))),
      paragraphs: templates(textPool(22, (r) => paragraph(r, SENTENCES_KO))),
      comments: textPool(23, (r) => pick(r, COMMENTS_KO)(r)),
    },
    (name) => `이 글은 ${name} 시리즈의 하나입니다.`,
  ),
);

const bios = once(() => textPool(14, (r) => `Writes about ${common(r, THINGS)} and ${common(r, THINGS)}.`));

/** The texts of article `id`'s language: one article in KOREAN_EVERY is in Korean. */
export const textsOf = (id: number): Texts => (id % KOREAN_EVERY === 0 ? korean() : english());

/** A user's bio; a third of the users have none. */
export const bioOf = (random: Random, index: number) => (index % 3 === 2 ? null : pick(random, bios()));

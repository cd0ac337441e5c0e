// Articles and queries for full-text search (GET /api/articles?q=...), in English and in Korean, each query with
// the exact set of keys it finds over both sets together, a few near-misses it must not find, and a ranking case.

export type SearchArticle = Readonly<{
  key: string;
  title: string;
  description: string;
  body: string;
  tags?: string[];
}>;
export type SearchCase = Readonly<{
  q: string;
  finds: readonly string[];
  notFinds: readonly string[];
  why: string;
}>;

export const ENGLISH_ARTICLES: readonly SearchArticle[] = [
  {
    key: 'en-event-loop',
    title: 'Inside the Node Event Loop',
    description: 'How timers, socket callbacks and microtasks take turns on a single thread.',
    body:
      'The event loop never waits for a socket; it asks the kernel which sockets are ready and runs their ' +
      'callbacks. A long synchronous function blocks every request behind it.',
    tags: ['node', 'async'],
  },
  {
    key: 'en-asyncio',
    title: 'Coroutines in Python asyncio',
    description: 'A gentle tour of async and await in the standard library.',
    body:
      'An asyncio coroutine pauses at every await and hands control back to the event loop. Tasks let several ' +
      'coroutines make progress while one of them waits on the network.',
    tags: ['python', 'async'],
  },
  {
    key: 'en-tick',
    title: 'Batching Work Per Tick',
    description: 'Why our scheduler drains one inbox per loop iteration.',
    body:
      'Each loop iteration picks up at most one event from the inbox, which keeps latency predictable under ' +
      'load. Bursts simply wait for the next tick.',
    tags: ['scheduling'],
  },
  {
    key: 'en-trio',
    title: 'Structured Concurrency with Trio',
    description: 'Nurseries make sure no coroutine outlives the block that started it.',
    body:
      'Trio cancels child tasks together when one of them fails, so errors never vanish silently in the ' +
      'background.',
    tags: ['python', 'async'],
  },
  {
    key: 'en-threads',
    title: 'Threads Versus Processes in Python',
    description: 'The global interpreter lock decides which one you want.',
    body: 'Heavy number crunching scales with processes, while threads are fine for waiting on files and sockets.',
    tags: ['python'],
  },
  {
    key: 'en-explain',
    title: 'Reading EXPLAIN ANALYZE Output',
    description: 'The query planner tells you exactly where the time went.',
    body:
      'Start from the innermost node and look for sequential scans over large tables; a missing index is the ' +
      'usual suspect.',
    tags: ['postgres', 'performance'],
  },
  {
    key: 'en-n-plus-one',
    title: 'Hunting N+1 Queries in an ORM',
    description: 'Lazy relations quietly turn one page into hundreds of round trips.',
    body:
      'Logging every statement during a test run makes the repeated queries obvious, and a single join or a ' +
      'batched load removes them.',
    tags: ['orm', 'performance'],
  },
  {
    key: 'en-gin',
    title: 'GIN Indexes for Full Text Search',
    description: 'PostgreSQL can answer word lookups without scanning every row.',
    body:
      'A GIN index maps each lexeme to the rows that contain it, so a tsvector column stays fast even with ' +
      'millions of articles.',
    tags: ['postgres', 'search'],
  },
  {
    key: 'en-btree',
    title: 'When a B-tree Index Is Enough',
    description: 'Most lookups by id or by date need nothing fancier.',
    body: 'A B-tree index keeps its keys sorted, which also makes range scans and sorting cheap.',
    tags: ['postgres'],
  },
  {
    key: 'en-pool',
    title: 'Sizing a Connection Pool',
    description: 'More connections rarely make a database faster.',
    body:
      'Each PostgreSQL backend is a full process, so a pool of twenty connections often beats two hundred. ' +
      'Measure the wait time before raising the limit.',
    tags: ['postgres', 'performance'],
  },
  {
    key: 'en-pgbouncer',
    title: 'PgBouncer in Transaction Mode',
    description: 'A small pool that sits between your application and the database.',
    body:
      'Each client keeps its connection to PgBouncer, while the server side is shared between clients one ' +
      'transaction at a time.',
    tags: ['postgres'],
  },
  {
    key: 'en-websocket',
    title: 'Keeping WebSockets Alive',
    description: 'Proxies drop idle connections sooner than you think.',
    body: 'Send a ping every thirty seconds and reconnect with backoff when the socket closes unexpectedly.',
    tags: ['realtime'],
  },
  {
    key: 'en-swim',
    title: 'Morning Laps in Budapest',
    description: 'The thermal baths open their outdoor pool at six.',
    body:
      'Swimming in warm water while snow falls on the roof is strange and wonderful. Bring sandals and a ' +
      'towel.',
    tags: ['travel'],
  },
  {
    key: 'en-isolation',
    title: 'Isolation Levels Without Tears',
    description: 'Read committed, repeatable read and serializable, explained with a bank transfer.',
    body:
      'Under serializable isolation PostgreSQL may abort one of two conflicting transactions, so the ' +
      'application must be ready to retry.',
    tags: ['postgres', 'transactions'],
  },
  {
    key: 'en-migrations',
    title: 'Reviewable Database Migrations',
    description: 'Every schema change lands as plain SQL that a colleague can read.',
    body: 'We generate the migration, commit it next to the code, and apply it in the same deploy that needs it.',
    tags: ['migrations'],
  },
  {
    key: 'en-backfill',
    title: 'Migrating a Busy Table Without Downtime',
    description: 'Add the column first, backfill in batches, then switch over.',
    body: 'Long locks are what hurt, so every step must be quick on its own.',
    tags: ['postgres'],
  },
  {
    key: 'en-branded',
    title: 'Branded Types in TypeScript',
    description: 'Stop passing a user id where an article id belongs.',
    body:
      'A brand is an intersection with a unique tag that exists only at compile time, so the runtime cost is ' +
      'zero.',
    tags: ['typescript'],
  },
  {
    key: 'en-esm',
    title: 'Moving a TypeScript Codebase to ESM',
    description: 'File extensions in imports were the hardest part.',
    body: 'Node now strips types on its own, which let us drop the build step for tests entirely.',
    tags: ['typescript', 'node'],
  },
  {
    key: 'en-typing',
    title: 'Gradual Typing in Python',
    description: 'Type hints pay off long before the whole codebase has them.',
    body: 'Start with the functions that cross module boundaries, and let mypy check only those files at first.',
    tags: ['python', 'typescript'],
  },
  {
    key: 'en-fastify',
    title: 'Validating Requests in Fastify',
    description: 'A JSON schema per route catches bad input before your handler runs.',
    body: 'The same schema feeds the OpenAPI document, so the docs and the validation never drift apart.',
    tags: ['node', 'http'],
  },
  {
    key: 'en-login',
    title: 'Rate Limiting a Login Endpoint',
    description: 'Slow down password guessing without punishing real users.',
    body:
      'Count failed attempts per account and per address, and answer with a clear retry time instead of a ' +
      'vague error.',
    tags: ['security', 'http'],
  },
  {
    key: 'en-redis',
    title: 'A Cache in Front of Every Page with Redis',
    description: 'Store the rendered article page, not every row behind it.',
    body:
      'On a miss we load from the database, store the result with a short expiry, and let stale entries age ' +
      'out on their own.',
    tags: ['redis'],
  },
  {
    key: 'en-versioned',
    title: 'Cache Invalidation by Version Number',
    description: 'Bump a counter instead of deleting keys one by one.',
    body: 'Readers build each key from the current version, so old entries simply stop being asked for.',
    tags: ['redis'],
  },
  {
    key: 'en-backpressure',
    title: 'Backpressure in Streams',
    description: 'A fast producer must wait for a slow consumer, or memory grows without bound.',
    body: 'Node streams signal this when write returns false; respect it and resume on the drain event.',
    tags: ['node'],
  },
  {
    key: 'en-kimchi',
    title: 'Kimchi from Scratch',
    description: 'Napa cabbage, salt, chili flakes and a week of patience.',
    body:
      'Salt the cabbage overnight, rinse it well, and pack it tightly with the paste so that no air pockets ' +
      'remain.',
    tags: ['cooking', 'korean'],
  },
  {
    key: 'en-ramen',
    title: 'Weeknight Ramen Broth',
    description: 'A rich soup in forty minutes with a pressure cooker.',
    body: 'Roast the chicken wings first, then simmer them with kombu and finish with a splash of soy sauce.',
    tags: ['cooking', 'kimchi'],
  },
  {
    key: 'en-kyoto',
    title: 'Three Quiet Days in Kyoto',
    description: 'Temples at dawn, tofu for lunch, and no tour buses.',
    body: 'Rent a bicycle and follow the canal north; the path along it is empty before eight in the morning.',
    tags: ['travel', 'japan'],
  },
  {
    key: 'en-lisbon',
    title: 'Lisbon by Tram',
    description: 'Line 28 climbs through the old town for the price of a coffee.',
    body: 'Ride it early to get a seat by the window, and walk back down through the narrow streets of Alfama.',
    tags: ['travel'],
  },
  // The ranking case: "zettelkasten" once each, in a title, in a description only, in a body only.
  {
    key: 'en-zk-title',
    title: 'Zettelkasten for Engineers',
    description: 'Linking small notes turns scattered reading into ideas you can reuse.',
    body: 'Write one idea per card, give it an address, and link it to at least one older card.',
    tags: ['notes'],
  },
  {
    key: 'en-zk-description',
    title: 'Notes That Outlive the Project',
    description: 'A zettelkasten keeps design decisions findable years after the meeting.',
    body: 'We store each decision as a short card with the date, the options we weighed, and the one we picked.',
    tags: ['notes'],
  },
  {
    key: 'en-zk-body',
    title: 'Reading Papers Efficiently',
    description: 'Three passes over every paper, each with its own goal.',
    body:
      'Skim the abstract and figures first, then read the method, and only at the end copy the key claims ' +
      'into your zettelkasten.',
    tags: ['notes'],
  },
];

// Written as a Korean developer would, English names set off by a space: a particle glued to an English word
// ("PostgreSQL에서") would make one token that matches neither.
export const KOREAN_ARTICLES: readonly SearchArticle[] = [
  {
    key: 'ko-async',
    title: '파이썬 비동기 입문',
    description: 'asyncio 라이브러리로 동시에 여러 요청을 보내는 방법을 정리했다.',
    body:
      '비동기는 기다리는 시간을 버리지 않는 기술이다. 코루틴이 await 지점에서 멈추면 이벤트 루프가 다른 작업을 ' +
      '실행한다.',
    tags: ['파이썬', '비동기'],
  },
  {
    key: 'ko-event-loop',
    title: '이벤트 루프는 어떻게 돌아가나',
    description: 'Node 런타임의 이벤트 루프를 그림으로 설명한다.',
    body: '타이머와 입출력 콜백이 차례대로 실행된다. 동기 함수 하나가 오래 걸리면 모든 요청이 그 뒤에서 기다린다.',
    tags: ['비동기'],
  },
  {
    key: 'ko-scheduler',
    title: '작업 큐 설계 노트',
    description: '루프 한 번에 이벤트 하나만 꺼내는 스케줄러를 만들었다.',
    body: '이렇게 하면 지연 시간이 예측 가능해지고, 부하가 커져도 응답이 고르게 나온다.',
  },
  {
    key: 'ko-coroutine',
    title: '코루틴과 스레드의 차이',
    description: '파이썬에서 코루틴을 쓰면 스레드보다 메모리를 훨씬 적게 쓴다.',
    body: '스레드는 운영체제가 전환하지만 코루틴은 스스로 양보한다. 그래서 공유 자료를 다룰 때 잠금이 덜 필요하다.',
    tags: ['비동기'],
  },
  {
    key: 'ko-threads',
    title: 'GIL 때문에 고민된다면',
    description: 'CPU 작업은 프로세스로, 입출력 대기는 스레드로 나누자.',
    body: '파이썬의 전역 인터프리터 락은 한 번에 한 스레드만 바이트코드를 실행하게 한다.',
    tags: ['파이썬'],
  },
  {
    key: 'ko-index',
    title: 'PostgreSQL 인덱스 튜닝기',
    description: '느린 쿼리 하나를 인덱스 하나로 100배 빠르게 만든 이야기.',
    body:
      'EXPLAIN 결과에서 순차 스캔을 발견하고, 조건 컬럼에 복합 인덱스를 추가했다. 데이터베이스는 생각보다 ' +
      '정직하다.',
    tags: ['데이터베이스'],
  },
  {
    key: 'ko-gin',
    title: 'GIN 인덱스로 전문 검색하기',
    description: 'PostgreSQL 데이터베이스에서 한국어 검색을 빠르게 만드는 방법.',
    body: 'tsvector 컬럼에 GIN 인덱스를 걸면 수백만 건의 게시글도 순식간에 찾는다. 다만 조사 처리는 직접 해야 한다.',
    tags: ['데이터베이스', '검색'],
  },
  {
    key: 'ko-btree',
    title: '대부분은 B-tree 인덱스로 충분하다',
    description: '아이디나 날짜로 찾는 쿼리에는 특별한 인덱스가 필요 없다.',
    body: '키가 정렬되어 있어서 범위 조회와 ORDER BY 정렬이 모두 저렴해진다.',
    tags: ['데이터베이스', '검색'],
  },
  {
    key: 'ko-pool',
    title: '커넥션 풀 크기 정하기',
    description: '연결을 늘린다고 데이터베이스가 빨라지지 않는다.',
    body: 'PostgreSQL 백엔드는 연결마다 프로세스를 하나씩 띄운다. 풀 크기를 올리기 전에 대기 시간부터 측정하자.',
    tags: ['데이터베이스'],
  },
  {
    key: 'ko-outage',
    title: '배포 직후 터진 연결 오류',
    description: '로그에는 데이터베이스연결 실패라는 메시지만 반복해서 찍혀 있었다.',
    body: '원인은 방화벽 규칙이었다. 규칙을 고치자 서비스가 바로 정상으로 돌아왔다.',
    tags: ['데이터베이스', '장애'],
  },
  {
    key: 'ko-isolation',
    title: '트랜잭션 격리 수준 정리',
    description: '은행 송금 예제로 세 가지 격리 수준을 비교했다.',
    body:
      '직렬화 수준에서는 데이터베이스가 충돌하는 트랜잭션 하나를 중단시킬 수 있다. 애플리케이션은 재시도를 ' +
      '준비해야 한다.',
    tags: ['데이터베이스'],
  },
  {
    key: 'ko-migration',
    title: '마이그레이션은 코드 리뷰의 대상이다',
    description: '스키마 변경을 SQL 파일로 남기면 동료가 읽고 검토할 수 있다.',
    body: '우리는 마이그레이션을 코드와 같은 커밋에 넣고, 그 코드를 필요로 하는 배포에서 함께 적용한다.',
    tags: ['마이그레이션'],
  },
  {
    key: 'ko-backfill',
    title: '무중단 마이그레이션 경험담',
    description: '큰 테이블에 컬럼을 추가하면서 서비스를 멈추지 않았다.',
    body:
      '먼저 컬럼을 추가하고, 배치로 데이터를 채운 다음, 읽기 경로를 바꿨다. 긴 잠금이 문제이므로 각 단계는 ' +
      '짧아야 한다.',
    tags: ['마이그레이션', '데이터베이스'],
  },
  {
    key: 'ko-logging',
    title: '서버 로그를 구조화하자',
    description: 'JSON 로그는 사람이 읽기엔 불편하지만 검색에는 강하다.',
    body: '서버가 요청마다 추적 아이디를 남기면 장애 원인을 몇 분 만에 찾을 수 있다.',
    tags: ['서버'],
  },
  {
    key: 'ko-proxy',
    title: '웹서버 앞에 리버스 프록시를 둔 이유',
    description: '정적 파일과 TLS 처리를 웹서버에 맡기니 애플리케이션이 가벼워졌다.',
    body: 'Nginx 설정 몇 줄로 압축과 캐싱까지 해결했다.',
    tags: ['서버', '캐시'],
  },
  {
    key: 'ko-frameworks',
    title: '파이썬 웹 서버 비교: FastAPI 대 Django',
    description: '비동기 지원과 생태계를 기준으로 두 프레임워크를 골랐다.',
    body: 'FastAPI 쪽은 비동기 처리가 기본이고, Django 쪽은 관리자 화면이 강점이다.',
    tags: ['파이썬'],
  },
  {
    key: 'ko-timeout',
    title: '요청 타임아웃 제대로 걸기',
    description: '외부 API 호출에는 항상 타임아웃이 있어야 한다.',
    body: '타임아웃 없이 기다리던 요청이 쌓이면 커넥션 풀이 바닥나고 서버 전체가 멈춘다.',
  },
  {
    key: 'ko-retry',
    title: '재시도는 지수 백오프로',
    description: '실패한 요청을 바로 다시 보내면 장애가 더 커진다.',
    body: '대기 시간을 두 배씩 늘리고 약간의 무작위 지연을 섞으면 요청이 한꺼번에 몰리지 않는다.',
  },
  {
    key: 'ko-rate-limit',
    title: '로그인 요청 속도 제한',
    description: '비밀번호 대입 공격을 늦추면서 실제 사용자는 불편하지 않게.',
    body: '계정별, 주소별로 실패 횟수를 세고, 막을 때는 언제 다시 시도할지 분명히 알려 준다.',
  },
  {
    key: 'ko-validation',
    title: 'Fastify 라우트별 스키마 검증',
    description: '핸들러가 실행되기 전에 잘못된 입력을 걸러 낸다.',
    body: '같은 스키마로 OpenAPI 문서도 만들기 때문에 문서와 검증이 어긋나지 않는다.',
  },
  {
    key: 'ko-redis',
    title: 'Redis 캐시 도입기',
    description: '게시글 페이지를 통째로 캐시에 담았다.',
    body: '캐시가 비어 있으면 데이터베이스에서 읽어 오고, 짧은 만료 시간과 함께 저장한다.',
    tags: ['캐시'],
  },
  {
    key: 'ko-versioned',
    title: '버전 번호로 캐시 무효화하기',
    description: '키를 하나씩 지우는 대신 카운터를 올린다.',
    body: '읽는 쪽이 현재 버전으로 키를 만들기 때문에 예전 항목은 자연스럽게 잊힌다.',
    tags: ['캐시', '데이터베이스'],
  },
  {
    key: 'ko-branded',
    title: 'TypeScript 브랜드 타입 활용법',
    description: '사용자 아이디 자리에 게시글 아이디가 들어가는 실수를 막는다.',
    body: '브랜드는 컴파일 시점에만 존재하는 태그라서 런타임 비용이 전혀 없다.',
  },
  {
    key: 'ko-esm',
    title: 'TypeScript 프로젝트의 ESM 전환기',
    description: 'import 경로에 확장자를 붙이는 일이 가장 번거로웠다.',
    body: '이제 Node 런타임이 타입을 직접 제거해 주어서 테스트용 빌드 단계를 없앴다.',
  },
  {
    key: 'ko-typing',
    title: '파이썬 타입 힌트 점진적으로 도입하기',
    description: '모든 코드에 힌트가 없어도 효과는 바로 나타난다.',
    body: '모듈 경계를 넘는 함수부터 타입을 붙이고, mypy 검사는 그 파일들에만 돌렸다.',
    tags: ['파이썬', 'typescript'],
  },
  {
    key: 'ko-backpressure',
    title: '스트림의 배압 다루기',
    description: '생산자가 소비자보다 빠르면 메모리가 끝없이 늘어난다.',
    body: 'Node 스트림에서 write 호출이 false 값을 돌려주면 잠시 멈췄다가 drain 이벤트에서 다시 시작한다.',
  },
  {
    key: 'ko-kimchi',
    title: '집에서 담그는 배추김치',
    description: '소금, 고춧가루, 그리고 일주일의 기다림이면 충분하다.',
    body: '배추를 하룻밤 절인 뒤 잘 헹구고, 양념을 빈틈없이 채워 통에 눌러 담는다. 사흘쯤 지나면 김치가 알맞게 익는다.',
    tags: ['요리', '김치'],
  },
  {
    key: 'ko-stew',
    title: '김치찌개 끓이는 법',
    description: '잘 익은 김치와 돼지고기만 있으면 된다.',
    body: '김치를 먼저 기름에 볶다가 물을 붓고 두부를 넣어 이십 분 끓인다.',
    tags: ['요리'],
  },
  {
    key: 'ko-ramen',
    title: '야식으로 끓이는 라면',
    description: '면은 덜 익혀야 국물에 넣었을 때 딱 맞다.',
    body: '달걀은 마지막에 넣고, 파를 듬뿍 올리면 김치찌개가 부럽지 않다.',
    tags: ['요리', '김치'],
  },
  {
    key: 'ko-jeju',
    title: '제주 3박 4일 여행',
    description: '렌터카 없이 버스로 섬을 한 바퀴 돌았다.',
    body: '여행 중에 가장 좋았던 곳은 새벽의 성산일출봉이었다. 시장에서 먹은 고기국수도 잊을 수 없다.',
    tags: ['여행'],
  },
  {
    key: 'ko-busan',
    title: '부산 여행에서 먹은 것들',
    description: '돼지국밥부터 씨앗호떡까지 하루에 다섯 끼를 먹었다.',
    body: '여행의 절반은 음식이라는 말을 실감했다. 다음에는 바다 쪽 숙소를 잡을 생각이다.',
    tags: ['여행', '요리'],
  },
  {
    key: 'ko-kyoto',
    title: '교토에서 보낸 조용한 사흘',
    description: '새벽에는 절을 걷고 점심에는 두부 요리를 먹었다.',
    body: '자전거를 빌려 운하를 따라 북쪽으로 달리면 강변 산책길이 나온다. 여덟 시 전에는 사람이 거의 없다.',
    tags: ['여행'],
  },
  {
    key: 'ko-packing',
    title: '여행가방 하나로 한 달 살기',
    description: '짐을 줄이니 이동이 훨씬 가벼워졌다.',
    body: '옷은 일곱 벌이면 충분하고, 빨래는 숙소에서 이틀에 한 번 했다.',
    tags: ['여행'],
  },
];

export const ENGLISH_CASES: readonly SearchCase[] = [
  {
    q: 'coroutine',
    finds: ['en-asyncio', 'en-trio'],
    notFinds: ['en-threads', 'en-event-loop', 'ko-coroutine'],
    why: 'one word; "Coroutines" stems to the same lexeme; 코루틴 is another word',
  },
  {
    q: 'queries',
    finds: ['en-explain', 'en-n-plus-one'],
    notFinds: ['en-gin', 'en-btree', 'ko-index'],
    why: 'stemming: "queries" finds "query" and "Queries"; lookups and 쿼리 are other words',
  },
  {
    q: 'QUERY',
    finds: ['en-explain', 'en-n-plus-one'],
    notFinds: ['en-gin', 'en-btree'],
    why: 'case-insensitive, and the singular finds the plural',
  },
  {
    q: 'connection pool',
    finds: ['en-pool', 'en-pgbouncer'],
    notFinds: ['en-swim', 'en-websocket', 'ko-pool'],
    why: 'two words are ANDed, anywhere in the article; a swimming pool has no connection, idle connections no pool',
  },
  {
    q: '"connection pool"',
    finds: ['en-pool'],
    notFinds: ['en-pgbouncer', 'en-websocket'],
    why: 'a quoted phrase: PgBouncer has "pool" and "connection" but not next to each other',
  },
  {
    q: '"event loop"',
    finds: ['en-event-loop', 'en-asyncio'],
    notFinds: ['en-tick', 'en-backpressure', 'ko-event-loop'],
    why: 'a phrase: "loop iteration picks up at most one event" has both words, apart and in the other order',
  },
  {
    q: 'event loop',
    finds: ['en-event-loop', 'en-asyncio', 'en-tick'],
    notFinds: ['en-backpressure', 'ko-event-loop'],
    why: 'unquoted, the same words are ANDed: the scheduler article now matches; "drain event" alone does not',
  },
  {
    q: 'index -gin',
    finds: ['en-explain', 'en-btree'],
    notFinds: ['en-gin', 'ko-gin'],
    why: 'exclusion: "Indexes" and "index" match, but not in the article that also says GIN',
  },
  {
    q: 'kimchi or ramen',
    finds: ['en-kimchi', 'en-ramen'],
    notFinds: ['en-kyoto', 'ko-kimchi', 'ko-ramen'],
    why: 'or: either word; the ramen article is found by its title, not by its kimchi tag',
  },
  {
    q: 'kimchi',
    finds: ['en-kimchi'],
    notFinds: ['en-ramen', 'ko-kimchi', 'ko-stew'],
    why: 'tags are not searched: the ramen article is tagged kimchi but never says it',
  },
  {
    q: 'migrating',
    finds: ['en-migrations', 'en-backfill'],
    notFinds: ['en-isolation', 'ko-migration', 'ko-backfill'],
    why: 'stemming: "migrating", "migration" and "Migrations" share a stem',
  },
  {
    q: 'cache -redis',
    finds: ['en-versioned'],
    notFinds: ['en-redis', 'ko-redis', 'ko-versioned'],
    why: 'exclusion: both English cache articles say cache, one of them says Redis; 캐시 is another word',
  },
  {
    q: 'typescript',
    finds: ['en-branded', 'en-esm', 'ko-branded', 'ko-esm'],
    notFinds: ['en-typing', 'ko-typing'],
    why: 'an English word found in Korean articles too; the Python typing articles are only tagged typescript',
  },
  {
    q: 'the typescript',
    finds: ['en-branded', 'en-esm', 'ko-branded', 'ko-esm'],
    notFinds: ['en-typing', 'ko-typing'],
    why: 'a stop word in the query is ignored, not required',
  },
  {
    q: 'python',
    finds: ['en-asyncio', 'en-threads', 'en-typing'],
    notFinds: ['en-trio', 'ko-async', 'ko-threads'],
    why: 'Trio is a Python library but never says so; the Korean articles write 파이썬',
  },
  {
    q: 'asyncio',
    finds: ['en-asyncio', 'ko-async'],
    notFinds: ['en-trio', 'ko-coroutine'],
    why: 'a library name found in an English and a Korean article alike',
  },
  {
    q: '"read committed"',
    finds: ['en-isolation'],
    notFinds: ['en-migrations', 'en-zk-body'],
    why: 'a phrase: the migrations article says "can read" and "commit it", far apart',
  },
  {
    q: 'read committed',
    finds: ['en-isolation', 'en-migrations'],
    notFinds: ['en-zk-body', 'en-backfill'],
    why: 'AND with stemming: "commit" matches "committed"; reading papers has read but no commit',
  },
  {
    q: 'retry',
    finds: ['en-isolation', 'en-login'],
    notFinds: ['en-websocket', 'ko-retry'],
    why: 'one word in two bodies; reconnecting with backoff is not a retry by name',
  },
  {
    q: 'connected',
    finds: ['en-pool', 'en-pgbouncer', 'en-websocket'],
    notFinds: ['en-zk-title', 'en-swim'],
    why: 'stemming: "connected" finds "connection" and "connections"; "reconnect" is a different word',
  },
  {
    q: 'websocket or backpressure',
    finds: ['en-websocket', 'en-backpressure'],
    notFinds: ['en-event-loop', 'ko-backpressure'],
    why: 'or between two words, each found once; sockets alone are not websockets',
  },
  {
    q: 'zettelkasten',
    finds: ['en-zk-title', 'en-zk-description', 'en-zk-body'],
    notFinds: ['en-typing', 'en-migrations'],
    why: 'a rare word in a title, a description and a body: all three are found (RANKING orders them)',
  },
];

export const KOREAN_CASES: readonly SearchCase[] = [
  {
    q: '비동기',
    finds: ['ko-async', 'ko-frameworks'],
    notFinds: ['ko-event-loop', 'ko-coroutine', 'en-asyncio'],
    why: '"비동기는" and "비동기 지원과" lose their particles; articles only tagged 비동기 are not found',
  },
  {
    q: '비동기를',
    finds: ['ko-async', 'ko-frameworks'],
    notFinds: ['ko-event-loop', 'ko-coroutine'],
    why: 'the particle in the query is stripped too',
  },
  {
    q: '데이터베이스를',
    finds: ['ko-gin', 'ko-index', 'ko-isolation', 'ko-pool', 'ko-redis'],
    notFinds: ['ko-outage', 'ko-backfill', 'ko-versioned'],
    why: '데이터베이스에서, 데이터베이스는, 데이터베이스가 all match; 데이터베이스연결 is one word, 데이터를 another',
  },
  {
    q: '데이터베이스에서',
    finds: ['ko-gin', 'ko-index', 'ko-isolation', 'ko-pool', 'ko-redis'],
    notFinds: ['ko-outage', 'ko-backfill'],
    why: 'a two-syllable particle in the query: the same set as 데이터베이스를',
  },
  {
    q: '서버',
    finds: ['ko-frameworks', 'ko-logging', 'ko-timeout'],
    notFinds: ['ko-proxy', 'en-pgbouncer'],
    why: '서버가 and a bare 서버 match; 웹서버 is a compound written without a space',
  },
  {
    q: '"이벤트 루프"',
    finds: ['ko-async', 'ko-event-loop'],
    notFinds: ['ko-scheduler', 'ko-backpressure', 'en-event-loop'],
    why: 'a phrase: "이벤트 루프가" and "이벤트 루프를" are adjacent; "루프 한 번에 이벤트" is not',
  },
  {
    q: '이벤트 루프',
    finds: ['ko-async', 'ko-event-loop', 'ko-scheduler'],
    notFinds: ['ko-backpressure', 'en-event-loop'],
    why: 'two Korean words ANDed: the scheduler note has both, apart; "drain 이벤트에서" has no 루프',
  },
  {
    q: '파이썬',
    finds: ['ko-async', 'ko-coroutine', 'ko-frameworks', 'ko-threads', 'ko-typing'],
    notFinds: ['en-asyncio', 'en-typing'],
    why: '파이썬에서, 파이썬의 and a bare 파이썬 match; the English word Python is not a translation search',
  },
  {
    q: '쿼리',
    finds: ['ko-btree', 'ko-index'],
    notFinds: ['en-explain', 'ko-gin'],
    why: '"쿼리에는" loses its two-syllable particle',
  },
  {
    q: '인덱스 -검색',
    finds: ['ko-btree', 'ko-index'],
    notFinds: ['ko-gin', 'en-gin'],
    why: 'a Korean exclusion: the GIN article says 검색을; the B-tree article is only tagged 검색',
  },
  {
    q: '캐시 -데이터베이스를',
    finds: ['ko-versioned'],
    notFinds: ['ko-redis', 'ko-proxy', 'en-versioned'],
    why: 'an exclusion with a particle: 데이터베이스에서 excludes the Redis article; a tag does not; 캐싱 is not 캐시',
  },
  {
    q: '김치',
    finds: ['ko-kimchi', 'ko-stew'],
    notFinds: ['ko-ramen', 'en-kimchi'],
    why: '김치가, 김치와, 김치를 match; 김치찌개 and 배추김치 are other words (the ramen article says only 김치찌개)',
  },
  {
    q: '여행',
    finds: ['ko-busan', 'ko-jeju'],
    notFinds: ['ko-kyoto', 'ko-packing'],
    why: '여행에서, 여행의 and a bare 여행 match; the Kyoto trip is only tagged 여행, 여행가방 is one word',
  },
  {
    q: '요청을',
    finds: ['ko-async', 'ko-event-loop', 'ko-rate-limit', 'ko-retry', 'ko-timeout'],
    notFinds: ['ko-logging', 'en-fastify'],
    why: '요청을, 요청이 and a bare 요청 match; 요청마다 only loses its final 다 (요청마), which is still not 요청',
  },
  {
    q: '마이그레이션',
    finds: ['ko-backfill', 'ko-migration'],
    notFinds: ['en-migrations', 'ko-outage'],
    why: '마이그레이션은 and 마이그레이션을 match; no translation to the English word',
  },
  {
    q: '타임아웃이',
    finds: ['ko-timeout'],
    notFinds: ['ko-retry', 'ko-rate-limit'],
    why: 'one article, which writes 타임아웃 bare and with 이',
  },
  {
    q: 'PostgreSQL',
    finds: ['en-gin', 'en-isolation', 'en-pool', 'ko-gin', 'ko-index', 'ko-pool'],
    notFinds: ['ko-btree', 'en-explain', 'en-btree'],
    why: 'an English word inside Korean text, found in both languages; postgres tags do not count',
  },
  {
    q: 'PostgreSQL 인덱스',
    finds: ['ko-gin', 'ko-index'],
    notFinds: ['ko-pool', 'ko-btree', 'en-gin'],
    why: 'a mixed query: an English word and a Korean one, ANDed',
  },
  {
    q: 'asyncio 코루틴',
    finds: ['ko-async'],
    notFinds: ['en-asyncio', 'ko-coroutine'],
    why: 'mixed: 코루틴이 matches 코루틴; English asyncio articles say coroutine, not 코루틴',
  },
  {
    q: '코루틴 or 스레드',
    finds: ['ko-async', 'ko-coroutine', 'ko-threads'],
    notFinds: ['en-trio', 'en-threads'],
    why: 'or between Korean words: 코루틴이, 코루틴은, 스레드는, 스레드로, 스레드만',
  },
  {
    q: '서버가 요청을',
    finds: ['ko-timeout'],
    notFinds: ['ko-logging', 'ko-frameworks', 'ko-async'],
    why: 'two words with particles, ANDed: the logging article has 서버가 but only 요청마다',
  },
  {
    q: 'TypeScript 타입',
    finds: ['ko-branded', 'ko-esm'],
    notFinds: ['ko-typing', 'en-branded'],
    why: 'mixed: 타입을 matches 타입; the Python typing article has 타입 but TypeScript only as a tag',
  },
];

export const RANKING: Readonly<{ q: string; order: readonly string[] }> = {
  q: 'zettelkasten',
  order: ['en-zk-title', 'en-zk-description', 'en-zk-body'],
};

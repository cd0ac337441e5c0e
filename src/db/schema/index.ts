// The TypeScript schema: the source of truth that `gather db migrate` diffs against the last snapshot.
export { articles, articleTotals } from './articles.ts';
export { comments } from './comments.ts';
export { favorites } from './favorites.ts';
export { feedCounts } from './feed.ts';
export { follows } from './follows.ts';
export { articleSearch } from './search.ts';
export { articleTags, tags } from './tags.ts';
export { users } from './users.ts';

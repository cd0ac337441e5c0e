import { presentAuthor } from '../profiles/profiles.present.ts';
import type { ArticleListRow } from './article-lists.ts';
import type { ArticleRow } from './articles.queries.ts';
import type { ArticleDto, ArticleListItemDto } from './articles.schemas.ts';

/** The one row → list item mapper (no body). */
export function presentArticleListItem(row: ArticleListRow): ArticleListItemDto {
  return {
    slug: row.slug,
    title: row.title,
    description: row.description,
    tagList: row.tagList,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    favorited: row.favorited,
    favoritesCount: row.favoritesCount,
    author: presentAuthor(row),
  };
}

/** The one row → Article mapper (a list item plus the body). */
export function presentArticle(row: ArticleRow): ArticleDto {
  return { ...presentArticleListItem(row), body: row.body };
}

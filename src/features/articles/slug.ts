import { randomBytes } from 'node:crypto';

/** "How to train your dragon!" → "how-to-train-your-dragon"; keeps letters of any script (한글 too). */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug === '' ? 'article' : slug;
}

/** The slug to try after `slug` was taken: a random suffix, so concurrent creators do not collide again. */
export function withSuffix(slug: string): string {
  return `${slug}-${randomBytes(4).toString('hex')}`;
}

/** Tags as stored: trimmed, non-empty, unique, sorted (sorted also gives a stable lock order). */
export function normalizeTags(tagList: readonly string[] | undefined): string[] {
  return [...new Set((tagList ?? []).map((tag) => tag.trim()).filter((tag) => tag !== ''))].sort();
}

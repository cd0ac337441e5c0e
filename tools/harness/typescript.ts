// How the workshop's child processes run TypeScript: a Node that strips types itself (≥ 22.18; src/, tools/,
// test/ and bench/ keep to erasable syntax, tsconfig's erasableSyntaxOnly) runs .ts files as they are; an older
// Node goes through tsx, a devDependency. Never in production: a production install runs the compiled dist/.

/** Node's flags that let a child process run a .ts file. */
export const TYPESCRIPT_NODE_ARGS: readonly string[] = process.features.typescript ? [] : ['--import', 'tsx'];

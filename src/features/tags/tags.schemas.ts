import { Type } from '../../http/typebox.ts';

export const TagsResponse = Type.Object(
  { tags: Type.Array(Type.String()) },
  { $id: 'TagsResponse', examples: [{ tags: ['reactjs', 'angularjs'] }] },
);

/** The named models of this feature (app.addSchema; components.schemas in OpenAPI). */
export const TAG_MODELS = [TagsResponse];

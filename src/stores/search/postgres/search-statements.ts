import { quoteIdentifier } from './search-migrations.ts';

/**
 * The search index's SQL. Every statement is parameterized; values travel as one JSON document
 * where a statement takes many rows. Orders that reach clients break ties in code-point order
 * (COLLATE "C" columns), as OpenSearch's keyword sort does.
 */

/** $1: [{product, search_name, search_description}] in product_id order. Unchanged products are left alone. */
export const upsertProductsSql = `
INSERT INTO filtered_products (product_id, product, search_name, search_description)
SELECT r.product ->> 'product_id', r.product, r.search_name, r.search_description
FROM jsonb_to_recordset($1::text::jsonb) AS r(product jsonb, search_name text, search_description text)
ON CONFLICT (product_id) DO UPDATE
  SET product = EXCLUDED.product, search_name = EXCLUDED.search_name, search_description = EXCLUDED.search_description
  WHERE filtered_products.product IS DISTINCT FROM EXCLUDED.product`;

/** $1: product ids as JSON. Rows are locked in product_id order, as upserts lock them. */
export const deleteProductsSql = `
DELETE FROM filtered_products WHERE product_id IN (
  SELECT product_id FROM filtered_products WHERE product_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))
  ORDER BY product_id FOR UPDATE
)`;

/** $1: [{id, query, normalized_query}]. A query id already indexed is left alone. */
export const indexQueriesSql = `
INSERT INTO client_queries (id, type, user_id, normalized_query, results, queried_at, query)
SELECT r.id, r.query ->> 'type', r.query -> 'data' ->> 'user_id', r.normalized_query,
  (r.query -> 'data' ->> 'results')::integer, (r.query ->> 'timestamp')::timestamptz, r.query
FROM jsonb_to_recordset($1::text::jsonb) AS r(id text, query jsonb, normalized_query text)
ON CONFLICT (id) DO NOTHING`;

/** $1: the query text, lower-cased. Its distinct words, each with its tsquery under both configurations. */
export const analyzeWordsSql = `
SELECT word, plainto_tsquery('russian', word)::text AS russian, plainto_tsquery('english', word)::text AS english
FROM unnest(tsvector_to_array(to_tsvector('simple', $1::text))) AS words(word)`;

/** How many known words per query word the database hands over for the exact distance check. */
export const NEAR_WORD_CANDIDATES = 200;

/**
 * $1: [{word, edits}]. Known words whose Levenshtein distance to a query word is at most twice its
 * edits (a transposition costs two there, one in the fuzziness rule), with their tsqueries; the
 * caller keeps those truly within `edits`. levenshtein comes from fuzzystrmatch in `extensionSchema`.
 */
export function nearWordsSql(extensionSchema: string): string {
  const distance = `${quoteIdentifier(extensionSchema)}.levenshtein_less_equal(known.word, q.word, 2 * q.edits)`;
  return `
SELECT q.word AS query_word, near.word, plainto_tsquery('russian', near.word)::text AS russian,
  plainto_tsquery('english', near.word)::text AS english
FROM jsonb_to_recordset($1::text::jsonb) AS q(word text, edits integer)
CROSS JOIN LATERAL (
  SELECT known.word FROM search_words AS known
  WHERE char_length(known.word) BETWEEN char_length(q.word) - q.edits AND char_length(q.word) + q.edits
    AND known.word <> q.word
    AND ${distance} <= 2 * q.edits
  ORDER BY ${distance}, known.word
  LIMIT ${NEAR_WORD_CANDIDATES}
) AS near`;
}

/**
 * $1: the exact tsquery (null: no text, every product), $2: the tsquery with near words, $3: category,
 * $4: brand (null: any), $5: limit, $6: offset. One row: total, hits, and both facets, each facet
 * counted over the text and the other filter.
 *
 * Score: 2 when every word matched exactly (else the near words' match counts), plus 1 when the
 * name alone matches, plus ts_rank_cd scaled into [0, 1) — so exact matches come before fuzzy ones
 * and, among either, name matches before description-only ones.
 */
export const searchSql = `
WITH query AS (SELECT $1::tsquery AS exact, $2::tsquery AS near),
matched AS (
  SELECT p.product_id, p.product, p.name, p.category, p.brand,
    CASE
      WHEN query.exact IS NULL THEN 0
      WHEN p.document @@ query.exact THEN
        2 + (ts_filter(p.document, '{a}') @@ query.exact)::integer + ts_rank_cd(p.document, query.exact, 32)
      ELSE (ts_filter(p.document, '{a}') @@ query.near)::integer + ts_rank_cd(p.document, query.near, 32)
    END::float8 AS score
  FROM filtered_products AS p, query
  WHERE query.exact IS NULL OR p.document @@ query.near
),
filtered AS (
  SELECT * FROM matched WHERE ($3::text IS NULL OR category = $3::text) AND ($4::text IS NULL OR brand = $4::text)
),
page AS (
  SELECT product, score, name, product_id FROM filtered ORDER BY score DESC, name, product_id LIMIT $5::integer OFFSET $6::integer
),
category_facet AS (
  SELECT category AS value, count(*)::integer AS count FROM matched WHERE $4::text IS NULL OR brand = $4::text GROUP BY category
),
brand_facet AS (
  SELECT brand AS value, count(*)::integer AS count FROM matched WHERE $3::text IS NULL OR category = $3::text GROUP BY brand
)
SELECT
  (SELECT count(*)::integer FROM filtered) AS total,
  (SELECT coalesce(json_agg(json_build_object('product', product, 'score', score) ORDER BY score DESC, name, product_id), '[]')
    FROM page) AS hits,
  (SELECT coalesce(json_agg(json_build_object('value', value, 'count', count) ORDER BY count DESC, value), '[]')
    FROM category_facet) AS category_facet,
  (SELECT coalesce(json_agg(json_build_object('value', value, 'count', count) ORDER BY count DESC, value), '[]')
    FROM brand_facet) AS brand_facet`;

export const getProductSql = `SELECT product FROM filtered_products WHERE product_id = $1`;

export const countProductsSql = `SELECT count(*)::integer AS count FROM filtered_products`;

export const categoryFiguresSql = `
SELECT category, count(*)::integer AS product_count, round(avg(price), 2)::float8 AS avg_price,
  coalesce(sum(available), 0)::float8 AS total_available
FROM filtered_products GROUP BY category ORDER BY category`;

/** $1: user id, $2: limit. */
export const recentQueriesSql = `
SELECT query FROM client_queries WHERE user_id = $1 ORDER BY queried_at DESC, id DESC LIMIT $2::integer`;

/**
 * $1, $2: the range [from, to) as timestamps, $3: bucket width in ms, $4: rows in the top lists.
 * Buckets start at multiples of the width since the epoch.
 */
export const queryStatsSql = `
WITH ranged AS (
  SELECT type, user_id, normalized_query, results, (extract(epoch FROM queried_at) * 1000)::bigint AS ms
  FROM client_queries WHERE queried_at >= $1::timestamptz AND queried_at < $2::timestamptz
),
bucketed AS (
  SELECT *, ms - mod(mod(ms, $3::bigint) + $3::bigint, $3::bigint) AS bucket FROM ranged
),
series AS (
  SELECT bucket::float8 AS ts, count(*) FILTER (WHERE type = 'search')::integer AS searches,
    count(*) FILTER (WHERE type = 'recommend')::integer AS recommendations, count(DISTINCT user_id)::integer AS users
  FROM bucketed GROUP BY bucket
),
top_queries AS (
  SELECT normalized_query AS query, count(*)::integer AS count FROM ranged
  WHERE type = 'search' AND normalized_query <> '' GROUP BY normalized_query ORDER BY count DESC, query LIMIT $4::integer
),
no_results AS (
  SELECT normalized_query AS query, count(*)::integer AS count FROM ranged
  WHERE type = 'search' AND normalized_query <> '' AND results = 0 GROUP BY normalized_query ORDER BY count DESC, query LIMIT $4::integer
)
SELECT
  (SELECT count(*) FILTER (WHERE type = 'search')::integer FROM ranged) AS searches,
  (SELECT count(*) FILTER (WHERE type = 'recommend')::integer FROM ranged) AS recommendations,
  (SELECT count(DISTINCT user_id)::integer FROM ranged) AS users,
  (SELECT coalesce(json_agg(series ORDER BY ts), '[]') FROM series) AS series,
  (SELECT coalesce(json_agg(top_queries ORDER BY count DESC, query), '[]') FROM top_queries) AS top_queries,
  (SELECT coalesce(json_agg(no_results ORDER BY count DESC, query), '[]') FROM no_results) AS no_results`;

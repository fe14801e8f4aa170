-- The marketplace's products as the search index holds them (seed 003's `filtered_products`).
-- search_name and search_description are name and description lower-cased by the adapter (see
-- text-query.ts); `document` weighs the name 'A' and the description 'B', each stemmed as Russian
-- and as English; `words` lists the distinct words, the vocabulary typo tolerance draws on.
CREATE TABLE filtered_products (
  product_id text COLLATE "C" PRIMARY KEY,
  product jsonb NOT NULL,
  search_name text NOT NULL,
  search_description text NOT NULL,
  name text COLLATE "C" GENERATED ALWAYS AS (product ->> 'name') STORED,
  category text COLLATE "C" GENERATED ALWAYS AS (product ->> 'category') STORED,
  brand text COLLATE "C" GENERATED ALWAYS AS (product ->> 'brand') STORED,
  price numeric GENERATED ALWAYS AS ((product -> 'price' ->> 'amount')::numeric) STORED,
  available bigint GENERATED ALWAYS AS ((product -> 'stock' ->> 'available')::bigint) STORED,
  document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('russian'::regconfig, search_name), 'A') ||
    setweight(to_tsvector('english'::regconfig, search_name), 'A') ||
    setweight(to_tsvector('russian'::regconfig, search_description), 'B') ||
    setweight(to_tsvector('english'::regconfig, search_description), 'B')
  ) STORED,
  words text[] GENERATED ALWAYS AS (
    tsvector_to_array(to_tsvector('simple'::regconfig, search_name || ' ' || search_description))
  ) STORED
);
CREATE INDEX filtered_products_document ON filtered_products USING gin (document);
CREATE INDEX filtered_products_name ON filtered_products (name, product_id);
CREATE INDEX filtered_products_category ON filtered_products (category);
CREATE INDEX filtered_products_brand ON filtered_products (brand);

-- Every word of 64 characters or fewer in any product's name or description, with how many
-- products hold it; kept by the statement triggers below, so deleted words stop being suggested.
CREATE TABLE search_words (
  word text COLLATE "C" PRIMARY KEY,
  products integer NOT NULL
);
CREATE INDEX search_words_length ON search_words (char_length(word));

-- Each statement changes the counts of its words in word order, so concurrent writers lock shared
-- words in one order; a word no product holds any more is deleted by the statement that emptied it
-- (a row it has locked already).
CREATE FUNCTION search_words_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  emptied text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO search_words AS known (word, products)
    SELECT word, count(*)::integer FROM new_products, unnest(new_products.words) AS word
    WHERE char_length(word) <= 64
    GROUP BY word ORDER BY word
    ON CONFLICT (word) DO UPDATE SET products = known.products + EXCLUDED.products;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    WITH changed AS (
      INSERT INTO search_words AS known (word, products)
      SELECT word, sum(n)::integer FROM (
        SELECT unnest(new_products.words) AS word, 1 AS n FROM new_products
        UNION ALL
        SELECT unnest(old_products.words), -1 FROM old_products
      ) AS changes
      WHERE char_length(word) <= 64
      GROUP BY word HAVING sum(n) <> 0 ORDER BY word
      ON CONFLICT (word) DO UPDATE SET products = known.products + EXCLUDED.products
      RETURNING known.word, known.products
    )
    SELECT array_agg(word) INTO emptied FROM changed WHERE products <= 0;
  ELSE
    WITH changed AS (
      INSERT INTO search_words AS known (word, products)
      SELECT word, -count(*)::integer FROM old_products, unnest(old_products.words) AS word
      WHERE char_length(word) <= 64
      GROUP BY word ORDER BY word
      ON CONFLICT (word) DO UPDATE SET products = known.products + EXCLUDED.products
      RETURNING known.word, known.products
    )
    SELECT array_agg(word) INTO emptied FROM changed WHERE products <= 0;
  END IF;
  IF emptied IS NOT NULL THEN
    DELETE FROM search_words WHERE word = ANY (emptied) AND products <= 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER filtered_products_words_inserted AFTER INSERT ON filtered_products
  REFERENCING NEW TABLE AS new_products FOR EACH STATEMENT EXECUTE FUNCTION search_words_count();
CREATE TRIGGER filtered_products_words_updated AFTER UPDATE ON filtered_products
  REFERENCING OLD TABLE AS old_products NEW TABLE AS new_products FOR EACH STATEMENT EXECUTE FUNCTION search_words_count();
CREATE TRIGGER filtered_products_words_deleted AFTER DELETE ON filtered_products
  REFERENCING OLD TABLE AS old_products FOR EACH STATEMENT EXECUTE FUNCTION search_words_count();

-- Client queries (seed 003's `client_queries`): the query as published, and what the statistics
-- read from it. normalized_query is the search text trimmed and lower-cased by the adapter.
CREATE TABLE client_queries (
  id text COLLATE "C" PRIMARY KEY,
  type text NOT NULL,
  user_id text COLLATE "C" NOT NULL,
  normalized_query text COLLATE "C" NOT NULL,
  results integer,
  queried_at timestamptz NOT NULL,
  query jsonb NOT NULL
);
CREATE INDEX client_queries_user ON client_queries (user_id, queried_at DESC);
CREATE INDEX client_queries_time ON client_queries (queried_at);

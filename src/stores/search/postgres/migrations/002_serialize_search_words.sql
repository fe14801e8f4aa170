-- One writer of the vocabulary at a time. An upsert of products fires the INSERT and the UPDATE
-- triggers of its statement one after the other: each changes its words in word order, but the two
-- together do not, so two transactions writing overlapping products could each hold a word the other
-- waits for (a deadlock seen under load). A transaction-scoped advisory lock per schema, taken before
-- the first word is touched, puts the vocabulary's writers in line; it is released at commit.
CREATE OR REPLACE FUNCTION search_words_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  emptied text[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_SCHEMA || '.search_words'));
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

-- Price changes: each observation whose price differs from the product's previous observation (LAG over observed_at).
SELECT
  o.product_id,
  p.title,
  p.category,
  o.source,
  o.run_id,
  o.observed_at,
  o.previous_price,
  o.price,
  o.price - o.previous_price AS price_change,
  SAFE_DIVIDE(o.price - o.previous_price, o.previous_price) AS price_change_ratio
FROM (
  SELECT
    product_id,
    source,
    run_id,
    observed_at,
    price,
    LAG(price) OVER (PARTITION BY product_id ORDER BY observed_at) AS previous_price
  FROM `${price_observations}`
) AS o
LEFT JOIN `${products}` AS p
  ON p.product_id = o.product_id
WHERE o.previous_price IS NOT NULL
  AND o.price != o.previous_price

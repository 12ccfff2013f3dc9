-- Cheapest products: every priced product with its price rank overall and within its category (1 = cheapest).
SELECT
  product_id,
  source,
  source_id,
  title,
  category,
  brand,
  price,
  rating,
  stock,
  availability,
  RANK() OVER (PARTITION BY category ORDER BY price ASC) AS price_rank_in_category,
  RANK() OVER (ORDER BY price ASC) AS price_rank
FROM `${products}`
WHERE price IS NOT NULL

-- Top categories: how many products each category has, their price range, average rating and stock.
SELECT
  category,
  COUNT(*) AS product_count,
  AVG(price) AS avg_price,
  MIN(price) AS min_price,
  MAX(price) AS max_price,
  AVG(rating) AS avg_rating,
  SUM(stock) AS total_stock
FROM `${products}`
GROUP BY category
ORDER BY product_count DESC, category

# The warehouse on BigQuery: dataset, the two tables (schemas in schemas/*.json), the metric views (SQL in sql/*.sql)
# and the service account the warehouse loader runs as.

resource "google_project_service" "bigquery" {
  project            = var.gcp_project_id
  service            = "bigquery.googleapis.com"
  disable_on_destroy = false
}

resource "google_project_service" "iam" {
  project            = var.gcp_project_id
  service            = "iam.googleapis.com"
  disable_on_destroy = false
}

resource "google_bigquery_dataset" "warehouse" {
  dataset_id                 = var.bigquery_dataset_id
  friendly_name              = "Pipeline warehouse"
  description                = "Product snapshots, price observations and metric views loaded by the product-data pipeline."
  location                   = var.bigquery_location
  delete_contents_on_destroy = !var.bigquery_deletion_protection

  depends_on = [google_project_service.bigquery]
}

locals {
  bigquery_tables = {
    products           = "${var.gcp_project_id}.${google_bigquery_dataset.warehouse.dataset_id}.${google_bigquery_table.products.table_id}"
    price_observations = "${var.gcp_project_id}.${google_bigquery_dataset.warehouse.dataset_id}.${google_bigquery_table.price_observations.table_id}"
  }
}

resource "google_bigquery_table" "products" {
  dataset_id          = google_bigquery_dataset.warehouse.dataset_id
  table_id            = "products"
  description         = "Current state of every product, one row per product (rewritten by each warehouse refresh)."
  schema              = file("${path.module}/schemas/products.json")
  clustering          = ["source", "category"]
  deletion_protection = var.bigquery_deletion_protection
}

resource "google_bigquery_table" "price_observations" {
  dataset_id          = google_bigquery_dataset.warehouse.dataset_id
  table_id            = "price_observations"
  description         = "Every observed price change, partitioned by day of observation."
  schema              = file("${path.module}/schemas/price_observations.json")
  clustering          = ["product_id"]
  deletion_protection = var.bigquery_deletion_protection

  time_partitioning {
    type  = "DAY"
    field = "observed_at"
  }
}

resource "google_bigquery_table" "top_categories" {
  dataset_id          = google_bigquery_dataset.warehouse.dataset_id
  table_id            = "top_categories"
  description         = "Product count, price statistics, average rating and total stock per category."
  deletion_protection = var.bigquery_deletion_protection

  view {
    query          = templatefile("${path.module}/sql/top_categories.sql", local.bigquery_tables)
    use_legacy_sql = false
  }
}

resource "google_bigquery_table" "cheapest_products" {
  dataset_id          = google_bigquery_dataset.warehouse.dataset_id
  table_id            = "cheapest_products"
  description         = "Priced products ranked by price, overall and within their category."
  deletion_protection = var.bigquery_deletion_protection

  view {
    query          = templatefile("${path.module}/sql/cheapest_products.sql", local.bigquery_tables)
    use_legacy_sql = false
  }
}

resource "google_bigquery_table" "price_changes" {
  dataset_id          = google_bigquery_dataset.warehouse.dataset_id
  table_id            = "price_changes"
  description         = "Observations whose price differs from the product's previous observation."
  deletion_protection = var.bigquery_deletion_protection

  view {
    query          = templatefile("${path.module}/sql/price_changes.sql", local.bigquery_tables)
    use_legacy_sql = false
  }
}

# The loader: may edit data in this dataset only, and run (load and query) jobs in the project.
resource "google_service_account" "loader" {
  account_id   = var.bigquery_loader_account_id
  display_name = "Pipeline warehouse loader"
  description  = "Loads products and price observations into the ${var.bigquery_dataset_id} dataset."

  depends_on = [google_project_service.iam]
}

resource "google_bigquery_dataset_iam_member" "loader_edits_dataset" {
  dataset_id = google_bigquery_dataset.warehouse.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.loader.email}"
}

resource "google_project_iam_member" "loader_runs_jobs" {
  project = var.gcp_project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.loader.email}"
}

# Product and run store: exactly the tables, keys and indexes that the DynamoDB adapters create for local servers
# (Pipeline.Adapters.Aws/DynamoDb/DynamoDbTables.cs) and that docs/dynamodb-design.md documents (keys, indexes,
# access patterns). Pipeline.Tests/Terraform/DataStoreTests.cs compares the two, so they cannot drift apart.
#
#   <prefix>products       pk                   current product state
#                          6 GSIs <partition>-<order>: category|source|allKey × price|titleKey (INCLUDE)
#   <prefix>price-history  pk/sk                price observations (sk: the product version replaced)
#   <prefix>rejections     pk/sk                quarantine; LSI run-recent, GSI recent (newest first)
#   <prefix>runs           pk/sk                runs, idempotency markers, locks, checkpoints, refreshes
#                          GSI recent listPk/listSk (KEYS_ONLY)
#
# All on demand, with point-in-time recovery and encryption at rest (the AWS managed key aws/dynamodb, which needs
# no KMS grants on the Lambda roles).

resource "aws_dynamodb_table" "products" {
  name                        = "${local.table_prefix}products"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.dynamodb_deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "category"
    type = "S"
  }

  attribute {
    name = "source"
    type = "S"
  }

  attribute {
    name = "allKey"
    type = "S"
  }

  attribute {
    name = "price"
    type = "N"
  }

  attribute {
    name = "titleKey"
    type = "S"
  }

  # INCLUDE, not ALL: lastSeen/lastRunId change on every run and are not projected, so an unchanged product costs no
  # index writes. The non-key attributes are source, category and searchText, minus the index's own keys.
  global_secondary_index {
    name               = "category-price"
    hash_key           = "category"
    range_key          = "price"
    projection_type    = "INCLUDE"
    non_key_attributes = ["source", "searchText"]
  }

  global_secondary_index {
    name               = "category-title"
    hash_key           = "category"
    range_key          = "titleKey"
    projection_type    = "INCLUDE"
    non_key_attributes = ["source", "searchText"]
  }

  global_secondary_index {
    name               = "source-price"
    hash_key           = "source"
    range_key          = "price"
    projection_type    = "INCLUDE"
    non_key_attributes = ["category", "searchText"]
  }

  global_secondary_index {
    name               = "source-title"
    hash_key           = "source"
    range_key          = "titleKey"
    projection_type    = "INCLUDE"
    non_key_attributes = ["category", "searchText"]
  }

  global_secondary_index {
    name               = "all-price"
    hash_key           = "allKey"
    range_key          = "price"
    projection_type    = "INCLUDE"
    non_key_attributes = ["source", "category", "searchText"]
  }

  global_secondary_index {
    name               = "all-title"
    hash_key           = "allKey"
    range_key          = "titleKey"
    projection_type    = "INCLUDE"
    non_key_attributes = ["source", "category", "searchText"]
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "price_history" {
  name                        = "${local.table_prefix}price-history"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.dynamodb_deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "rejections" {
  name                        = "${local.table_prefix}rejections"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.dynamodb_deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "allKey"
    type = "S"
  }

  attribute {
    name = "recentKey"
    type = "S"
  }

  # Rejections of one run, newest first.
  local_secondary_index {
    name            = "run-recent"
    range_key       = "recentKey"
    projection_type = "ALL"
  }

  # Rejections of all runs, newest first.
  global_secondary_index {
    name            = "recent"
    hash_key        = "allKey"
    range_key       = "recentKey"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_dynamodb_table" "runs" {
  name                        = "${local.table_prefix}runs"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.dynamodb_deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "listPk"
    type = "S"
  }

  attribute {
    name = "listSk"
    type = "S"
  }

  # Recent runs and refreshes, newest first. KEYS_ONLY: counter updates on a run never write to the index.
  global_secondary_index {
    name            = "recent"
    hash_key        = "listPk"
    range_key       = "listSk"
    projection_type = "KEYS_ONLY"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

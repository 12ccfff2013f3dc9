# Product and run store. All table definitions live in this one file so that they can be aligned in one place with
# the store design documented in docs/dynamodb-design.md (keys, indexes, access patterns).
#
#   <prefix>products  pk/sk            product current state and price history items
#                     gsi1 gsi1pk/gsi1sk  products of a category ordered by price
#                     gsi2 gsi2pk/gsi2sk  products of a source
#   <prefix>runs      pk/sk            runs, their counters and stream checkpoints
#                     gsi1 gsi1pk/gsi1sk  recent runs

resource "aws_dynamodb_table" "products" {
  name                        = "${local.table_prefix}products"
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
    name = "gsi1pk"
    type = "S"
  }

  attribute {
    name = "gsi1sk"
    type = "S"
  }

  attribute {
    name = "gsi2pk"
    type = "S"
  }

  attribute {
    name = "gsi2sk"
    type = "S"
  }

  global_secondary_index {
    name            = "gsi1"
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
  }

  global_secondary_index {
    name            = "gsi2"
    hash_key        = "gsi2pk"
    range_key       = "gsi2sk"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  # Encrypted with the AWS managed key aws/dynamodb (no kms_key_arn), which needs no KMS grants on the Lambda roles.
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
    name = "gsi1pk"
    type = "S"
  }

  attribute {
    name = "gsi1sk"
    type = "S"
  }

  global_secondary_index {
    name            = "gsi1"
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  # Encrypted with the AWS managed key aws/dynamodb (no kms_key_arn), which needs no KMS grants on the Lambda roles.
  server_side_encryption {
    enabled = true
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, {
      Project   = "pipeline"
      ManagedBy = "terraform"
    })
  }
}

provider "google" {
  project = var.gcp_project_id
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Resource names. DynamoDB table names are "<prefix>products", "<prefix>price-history", "<prefix>rejections" and
  # "<prefix>runs" (see dynamodb.tf); the application receives the prefix through Pipeline__Aws__DynamoDb__TablePrefix.
  table_prefix = var.name_prefix
  stream_name  = "${var.name_prefix}fetch-tasks"
  raw_bucket   = var.raw_bucket_name != "" ? var.raw_bucket_name : "${var.name_prefix}raw-${local.account_id}-${var.aws_region}"
  function_names = {
    trigger_ingestion  = "${var.name_prefix}trigger_ingestion"
    fetch_product_data = "${var.name_prefix}fetch_product_data"
    transform_products = "${var.name_prefix}transform_products"
  }
}

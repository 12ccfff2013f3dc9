# The three Lambda functions (managed runtime dotnet10, arm64, Stream-in/Stream-out handlers in Pipeline.Lambdas),
# their log groups, least-privilege roles, the Kinesis event source mapping and the asynchronous-invocation settings
# of the S3-triggered transform. Packages come from scripts/package-lambdas.sh (artifacts/lambda/<function>.zip).

locals {
  artifacts_dir = "${path.module}/${var.lambda_artifacts_dir}"

  # The same configuration keys as the Web app (":" written as "__").
  lambda_environment = {
    Pipeline__Stream__Provider               = "Kinesis"
    Pipeline__RawZone__Provider              = "S3"
    Pipeline__Store__Provider                = "DynamoDb"
    Pipeline__Warehouse__Provider            = "BigQuery"
    Pipeline__Aws__Region                    = var.aws_region
    Pipeline__Aws__Kinesis__StreamName       = aws_kinesis_stream.fetch_tasks.name
    Pipeline__Aws__S3__BucketName            = aws_s3_bucket.raw.id
    Pipeline__Aws__DynamoDb__TablePrefix     = local.table_prefix
    Pipeline__Sources__DummyJson__BaseUrl    = var.dummyjson_base_url
    Pipeline__Warehouse__BigQuery__ProjectId = var.gcp_project_id
    Pipeline__Warehouse__BigQuery__DatasetId = google_bigquery_dataset.warehouse.dataset_id
    Pipeline__Warehouse__BigQuery__Location  = google_bigquery_dataset.warehouse.location
  }

  # The trigger is protected by the HTTP API's IAM authorisation and by an API key it reads from SSM (secrets.tf); no
  # key passes through Terraform.
  trigger_api_key_environment = {
    Pipeline__Security__ApiKeysParameter = aws_ssm_parameter.trigger_api_keys.name
  }
  trigger_environment = merge(local.lambda_environment, local.trigger_api_key_environment, var.otel_environment)

  # The fetch and transform functions: the shared keys and the OpenTelemetry variables (README, Operating → Telemetry).
  function_environment = merge(local.lambda_environment, var.otel_environment)
}

resource "aws_cloudwatch_log_group" "lambda" {
  for_each = local.function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
}

# ---------------------------------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_lambda_function" "trigger_ingestion" {
  function_name    = local.function_names.trigger_ingestion
  description      = "POST /ingestions: validates the request, starts a run and publishes one fetch task per catalog page."
  role             = aws_iam_role.trigger_ingestion.arn
  runtime          = "dotnet10"
  architectures    = ["arm64"]
  handler          = "Pipeline.Lambdas::Pipeline.Lambdas.TriggerIngestionFunction::HandleAsync"
  filename         = "${local.artifacts_dir}/trigger_ingestion.zip"
  source_code_hash = filebase64sha256("${local.artifacts_dir}/trigger_ingestion.zip")
  memory_size      = var.lambda_memory_mb.trigger_ingestion
  timeout          = var.lambda_timeout_seconds.trigger_ingestion

  environment {
    variables = local.trigger_environment
  }

  depends_on = [aws_cloudwatch_log_group.lambda, aws_iam_role_policy.trigger_ingestion]
}

resource "aws_lambda_function" "fetch_product_data" {
  function_name    = local.function_names.fetch_product_data
  description      = "Kinesis-triggered: fetches each task's catalog page and stores it verbatim in the raw zone."
  role             = aws_iam_role.fetch_product_data.arn
  runtime          = "dotnet10"
  architectures    = ["arm64"]
  handler          = "Pipeline.Lambdas::Pipeline.Lambdas.FetchProductDataFunction::HandleAsync"
  filename         = "${local.artifacts_dir}/fetch_product_data.zip"
  source_code_hash = filebase64sha256("${local.artifacts_dir}/fetch_product_data.zip")
  memory_size      = var.lambda_memory_mb.fetch_product_data
  timeout          = var.lambda_timeout_seconds.fetch_product_data

  environment {
    variables = local.function_environment
  }

  depends_on = [aws_cloudwatch_log_group.lambda, aws_iam_role_policy.fetch_product_data]
}

resource "aws_lambda_function" "transform_products" {
  function_name    = local.function_names.transform_products
  description      = "S3-triggered: parses a raw page, validates, normalises and upserts products and price observations."
  role             = aws_iam_role.transform_products.arn
  runtime          = "dotnet10"
  architectures    = ["arm64"]
  handler          = "Pipeline.Lambdas::Pipeline.Lambdas.TransformProductsFunction::HandleAsync"
  filename         = "${local.artifacts_dir}/transform_products.zip"
  source_code_hash = filebase64sha256("${local.artifacts_dir}/transform_products.zip")
  memory_size      = var.lambda_memory_mb.transform_products
  timeout          = var.lambda_timeout_seconds.transform_products

  environment {
    variables = local.function_environment
  }

  depends_on = [aws_cloudwatch_log_group.lambda, aws_iam_role_policy.transform_products]
}

# ---------------------------------------------------------------------------------------------------------------------
# Event sources and failure handling
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_lambda_event_source_mapping" "fetch_tasks" {
  event_source_arn                   = aws_kinesis_stream.fetch_tasks.arn
  function_name                      = aws_lambda_function.fetch_product_data.arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = var.fetch_batch_size
  maximum_batching_window_in_seconds = var.fetch_maximum_batching_window_seconds
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = var.fetch_maximum_retry_attempts
  maximum_record_age_in_seconds      = var.fetch_maximum_record_age_seconds
  # The handler answers {"batchItemFailures":[{"itemIdentifier": "<sequence number>"}]}: only those are retried.
  function_response_types = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.fetch_failures.arn
    }
  }

  depends_on = [aws_iam_role_policy.fetch_product_data]
}

resource "aws_lambda_function_event_invoke_config" "transform_products" {
  function_name                = aws_lambda_function.transform_products.function_name
  maximum_retry_attempts       = var.transform_maximum_retry_attempts
  maximum_event_age_in_seconds = var.transform_maximum_event_age_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.transform_failures.arn
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# IAM: one role per function, every statement scoped to the ARNs that function touches.
# ---------------------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    sid     = "LambdaServiceAssumesRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "trigger_ingestion" {
  name               = "${var.name_prefix}trigger-ingestion"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

resource "aws_iam_role" "fetch_product_data" {
  name               = "${var.name_prefix}fetch-product-data"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

resource "aws_iam_role" "transform_products" {
  name               = "${var.name_prefix}transform-products"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

resource "aws_iam_role_policy" "trigger_ingestion" {
  name   = "trigger-ingestion"
  role   = aws_iam_role.trigger_ingestion.id
  policy = data.aws_iam_policy_document.trigger_ingestion.json
}

resource "aws_iam_role_policy" "fetch_product_data" {
  name   = "fetch-product-data"
  role   = aws_iam_role.fetch_product_data.id
  policy = data.aws_iam_policy_document.fetch_product_data.json
}

resource "aws_iam_role_policy" "transform_products" {
  name   = "transform-products"
  role   = aws_iam_role.transform_products.id
  policy = data.aws_iam_policy_document.transform_products.json
}

data "aws_iam_policy_document" "trigger_ingestion" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda["trigger_ingestion"].arn}:*"]
  }

  # What the Kinesis client calls to publish: DescribeStreamSummary (the stream is ACTIVE) and PutRecords.
  statement {
    sid       = "PublishFetchTasks"
    actions   = ["kinesis:PutRecords", "kinesis:DescribeStreamSummary"]
    resources = [aws_kinesis_stream.fetch_tasks.arn]
  }

  statement {
    sid       = "EncryptStreamRecords"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }

  # Its API keys (secrets.tf): this one parameter, decrypted with the data key for this parameter only (SSM passes the
  # parameter's ARN as the encryption context).
  statement {
    sid       = "ReadApiKeysParameter"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.trigger_api_keys.arn]
  }

  statement {
    sid       = "DecryptApiKeysParameter"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.data.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:PARAMETER_ARN"
      values   = [aws_ssm_parameter.trigger_api_keys.arn]
    }
  }

  # Create the run and take the source's lock (PutItem; DeleteItem undoes a run that lost the lock, and releases
  # the lock when planning fails), plan (GetItem, UpdateItem, idempotency marker PutItem).
  statement {
    sid       = "RecordRuns"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.runs.arn]
  }
}

data "aws_iam_policy_document" "fetch_product_data" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda["fetch_product_data"].arn}:*"]
  }

  # What the event source mapping needs to poll the stream on the function's behalf.
  statement {
    sid = "ReadFetchTasks"
    actions = [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
    ]
    resources = [aws_kinesis_stream.fetch_tasks.arn]
  }

  # Decrypt: stream records and existing raw objects; GenerateDataKey: new raw objects and failure-queue messages.
  statement {
    sid       = "UseDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }

  statement {
    sid       = "WriteRawPages"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${aws_s3_bucket.raw.arn}/raw/*"]
  }

  # ListBucket lets a HEAD of a missing page answer 404 instead of 403; limited to the raw/ prefix.
  statement {
    sid       = "ListRawPages"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.raw.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["raw/*"]
    }
  }

  # Read the run, count the page once (idempotency marker PutItem + counters UpdateItem), finish the run and
  # release the source's lock (DeleteItem).
  statement {
    sid       = "CountFetchedPages"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.runs.arn]
  }

  # A page the source cannot serve is quarantined (and a replayed page's rejected records).
  statement {
    sid       = "QuarantinePages"
    actions   = ["dynamodb:BatchWriteItem"]
    resources = [aws_dynamodb_table.rejections.arn]
  }

  # A replay's task is handed straight to the transform in this function (no HTTP call): it upserts the page's
  # products and their price observations as the transform function does.
  statement {
    sid       = "UpsertReplayedProducts"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.products.arn]
  }

  statement {
    sid       = "RecordReplayedPriceObservations"
    actions   = ["dynamodb:BatchWriteItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.price_history.arn]
  }

  statement {
    sid       = "SendDiscardedBatchesToFailureQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.fetch_failures.arn]
  }
}

data "aws_iam_policy_document" "transform_products" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda["transform_products"].arn}:*"]
  }

  statement {
    sid       = "ReadRawPages"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.raw.arn}/raw/*"]
  }

  statement {
    sid       = "ListRawPages"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.raw.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["raw/*"]
    }
  }

  # Decrypt: raw objects; GenerateDataKey: failure-queue messages.
  statement {
    sid       = "UseDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
  }

  # Upsert: read the stored versions (BatchGetItem), conditional PutItem / UpdateItem per product.
  statement {
    sid       = "UpsertProducts"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.products.arn]
  }

  # Price observations, written before the products (BatchWriteItem; PutItem after a lost race).
  statement {
    sid       = "RecordPriceObservations"
    actions   = ["dynamodb:BatchWriteItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.price_history.arn]
  }

  statement {
    sid       = "QuarantineRecords"
    actions   = ["dynamodb:BatchWriteItem"]
    resources = [aws_dynamodb_table.rejections.arn]
  }

  # Read the run, count the page once (marker PutItem + counters UpdateItem), finish the run, release the lock.
  statement {
    sid       = "CountTransformedProducts"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.runs.arn]
  }

  statement {
    sid       = "SendFailedEventsToFailureQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.transform_failures.arn]
  }
}

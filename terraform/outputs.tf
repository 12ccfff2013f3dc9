output "aws_region" {
  description = "Region of the AWS resources (Pipeline__Aws__Region)."
  value       = var.aws_region
}

output "ingestion_url" {
  description = "URL of POST /ingestions (SigV4-signed requests only, see invoke_ingestions_policy_arn)."
  value       = "${aws_apigatewayv2_api.ingestion.api_endpoint}/ingestions"
}

output "invoke_ingestions_policy_arn" {
  description = "IAM policy that allows calling POST /ingestions; attach it to the roles or users that start runs."
  value       = aws_iam_policy.invoke_ingestions.arn
}

output "dashboard_policy_arn" {
  description = "IAM policy with what the dashboard needs against this stack; attach it to the role or user it runs as."
  value       = aws_iam_policy.dashboard.arn
}

output "kinesis_stream_name" {
  description = "Name of the fetch-task stream (Pipeline__Aws__Kinesis__StreamName)."
  value       = aws_kinesis_stream.fetch_tasks.name
}

output "kinesis_stream_arn" {
  description = "ARN of the fetch-task stream."
  value       = aws_kinesis_stream.fetch_tasks.arn
}

output "raw_bucket_name" {
  description = "Name of the raw-zone bucket (Pipeline__Aws__S3__BucketName)."
  value       = aws_s3_bucket.raw.id
}

output "dynamodb_table_prefix" {
  description = "Prefix of the DynamoDB table names (Pipeline__Aws__DynamoDb__TablePrefix)."
  value       = local.table_prefix
}

output "dynamodb_table_names" {
  description = "Names of the DynamoDB tables."
  value = {
    products      = aws_dynamodb_table.products.name
    price_history = aws_dynamodb_table.price_history.name
    rejections    = aws_dynamodb_table.rejections.name
    runs          = aws_dynamodb_table.runs.name
  }
}

output "lambda_function_names" {
  description = "Names of the three Lambda functions."
  value = {
    trigger_ingestion  = aws_lambda_function.trigger_ingestion.function_name
    fetch_product_data = aws_lambda_function.fetch_product_data.function_name
    transform_products = aws_lambda_function.transform_products.function_name
  }
}

output "failure_queue_urls" {
  description = "SQS queues holding what the stream mapping (fetch) and the S3-triggered transform gave up on."
  value = {
    fetch     = aws_sqs_queue.fetch_failures.url
    transform = aws_sqs_queue.transform_failures.url
  }
}

output "alarm_topic_arn" {
  description = "SNS topic the CloudWatch alarms publish to."
  value       = aws_sns_topic.alarms.arn
}

output "bigquery_dataset" {
  description = "Fully qualified BigQuery dataset (project.dataset)."
  value       = "${var.gcp_project_id}.${google_bigquery_dataset.warehouse.dataset_id}"
}

output "bigquery_loader_service_account_email" {
  description = "Service account the warehouse loader runs as; create its key outside Terraform (see docs/deploy.md)."
  value       = google_service_account.loader.email
}

output "dashboard_environment" {
  description = "Environment variables that point the dashboard (Pipeline.Web) at this stack, with its local stand-ins for the stream and S3 triggers off (the functions process the events). Add Pipeline__Warehouse__BigQuery__CredentialsPath and Pipeline__Security__ApiKeys__0 yourself (secrets)."
  value = {
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
    Pipeline__Local__EventSourceMappings     = "false"
  }
}

output "trigger_api_keys_parameter" {
  description = "SSM SecureString holding the trigger function's API keys; set its value outside Terraform (secrets.tf, README: Operating)."
  value       = aws_ssm_parameter.trigger_api_keys.name
}

# The fetch-task stream: trigger_ingestion writes one record per catalog page, fetch_product_data reads it through
# the event source mapping in lambda.tf.

resource "aws_kinesis_stream" "fetch_tasks" {
  name             = local.stream_name
  shard_count      = var.kinesis_shard_count
  retention_period = var.kinesis_retention_hours
  encryption_type  = "KMS"
  kms_key_id       = aws_kms_key.data.arn

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }

  # No shard_level_metrics: they are billed as custom metrics; the stream-level GetRecords.IteratorAgeMilliseconds
  # that alarms.tf watches is free.
}

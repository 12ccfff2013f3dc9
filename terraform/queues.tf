# On-failure destinations: records the Kinesis mapping gives up on, and S3 events transform_products gives up on.
# They are kept for 14 days for inspection and replay; alarms.tf alarms as soon as either holds a message.

resource "aws_sqs_queue" "fetch_failures" {
  name                              = "${var.name_prefix}fetch-failures"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.data.arn
  kms_data_key_reuse_period_seconds = 3600
}

resource "aws_sqs_queue" "transform_failures" {
  name                              = "${var.name_prefix}transform-failures"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.data.arn
  kms_data_key_reuse_period_seconds = 3600
}

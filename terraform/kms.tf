# One customer-managed key encrypts the stream, the raw bucket, the failure queues and the alarm topic, so that the
# Lambda roles can be given kms:* actions on this key's ARN only (see lambda.tf).

resource "aws_kms_key" "data" {
  description             = "${var.name_prefix}pipeline data (Kinesis, S3 raw zone, SQS failure queues, SNS alarms)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_key.json
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name_prefix}data"
  target_key_id = aws_kms_key.data.key_id
}

# A key policy is attached to the key itself, so AWS requires "Resource": "*" in it ("this key"); that is the
# one documented exception to the specific-resources rule, allow-listed in Pipeline.Tests/Terraform.
data "aws_iam_policy_document" "kms_key" {
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    # The form AWS documents for alarms that publish to an encrypted topic. Who may publish to the topic at all is
    # limited by the topic policy in alarms.tf (this account's alarms only).
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

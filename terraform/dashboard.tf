# What the dashboard (Pipeline.Web) needs when it is pointed at this stack: start runs (write fetch tasks to the
# stream and run records), read products, runs and raw pages, and read the failure queues' depth. Attach the policy
# to the role or user the dashboard runs as; see docs/deploy.md.

resource "aws_iam_policy" "dashboard" {
  name        = "${var.name_prefix}dashboard"
  description = "Lets the Pipeline dashboard use this stack's stream, raw bucket and tables (and nothing else)."
  policy      = data.aws_iam_policy_document.dashboard.json
}

data "aws_iam_policy_document" "dashboard" {
  statement {
    sid       = "StartRunsAndShowStreamHealth"
    actions   = ["kinesis:PutRecords", "kinesis:DescribeStreamSummary", "kinesis:ListShards"]
    resources = [aws_kinesis_stream.fetch_tasks.arn]
  }

  statement {
    sid       = "UseDataKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.data.arn]
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

  # Product pages (index Query + BatchGetItem), details, categories and counts; Scan for the warehouse refresh.
  statement {
    sid       = "BrowseProducts"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"]
    resources = [aws_dynamodb_table.products.arn, "${aws_dynamodb_table.products.arn}/index/*"]
  }

  # A product's history (Query); every observation for the warehouse refresh (Scan).
  statement {
    sid       = "ReadPriceHistory"
    actions   = ["dynamodb:Query", "dynamodb:Scan"]
    resources = [aws_dynamodb_table.price_history.arn]
  }

  # Rejections of a run (LSI run-recent) or of all runs (GSI recent).
  statement {
    sid       = "ReadRejections"
    actions   = ["dynamodb:Query"]
    resources = [aws_dynamodb_table.rejections.arn, "${aws_dynamodb_table.rejections.arn}/index/*"]
  }

  # Start, plan, cancel and list runs (index Query + BatchGetItem), warehouse refresh records, the source lock.
  statement {
    sid = "ManageRuns"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
    ]
    resources = [aws_dynamodb_table.runs.arn, "${aws_dynamodb_table.runs.arn}/index/*"]
  }

  statement {
    sid       = "ShowParkedFailures"
    actions   = ["sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.fetch_failures.arn, aws_sqs_queue.transform_failures.arn]
  }
}

# HTTP API with one route, POST /ingestions → trigger_ingestion (payload format 2.0).
#
# Authorisation: AWS_IAM. Callers sign requests with SigV4 (aws-cli, the AWS SDKs, `curl --aws-sigv4`) using
# credentials allowed by the policy in aws_iam_policy.invoke_ingestions (attach it to the operator or automation
# role). It needs no extra moving parts, unlike a Lambda REQUEST authorizer (a fourth function) or a JWT authorizer
# (an identity provider to run).

resource "aws_apigatewayv2_api" "ingestion" {
  name          = "${var.name_prefix}ingestion"
  protocol_type = "HTTP"
  description   = "Starts ingestion runs of the product-data pipeline."
}

resource "aws_apigatewayv2_integration" "trigger_ingestion" {
  api_id                 = aws_apigatewayv2_api.ingestion.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.trigger_ingestion.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "post_ingestions" {
  api_id             = aws_apigatewayv2_api.ingestion.id
  route_key          = "POST /ingestions"
  target             = "integrations/${aws_apigatewayv2_integration.trigger_ingestion.id}"
  authorization_type = "AWS_IAM"
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${var.name_prefix}ingestion"
  retention_in_days = var.log_retention_days
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.ingestion.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.api_throttling_burst_limit
    throttling_rate_limit  = var.api_throttling_rate_limit
    # Per-route metrics are billed as custom metrics; the API's overall metrics are free and enough for one route.
    detailed_metrics_enabled = false
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      callerArn          = "$context.identity.userArn"
      sourceIp           = "$context.identity.sourceIp"
    })
  }
}

resource "aws_lambda_permission" "api_invokes_trigger" {
  statement_id  = "AllowHttpApiToInvokeTrigger"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.trigger_ingestion.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.ingestion.execution_arn}/*/POST/ingestions"
}

# Attach to whoever may start runs through the API (an operator role, a CI role, the dashboard's host role).
resource "aws_iam_policy" "invoke_ingestions" {
  name        = "${var.name_prefix}invoke-ingestions"
  description = "Allows POST /ingestions on the pipeline's HTTP API (and nothing else)."
  policy      = data.aws_iam_policy_document.invoke_ingestions.json
}

data "aws_iam_policy_document" "invoke_ingestions" {
  statement {
    sid       = "StartIngestionRuns"
    actions   = ["execute-api:Invoke"]
    resources = ["${aws_apigatewayv2_stage.default.execution_arn}/POST/ingestions"]
  }
}

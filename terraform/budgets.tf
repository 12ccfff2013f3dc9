# A monthly cost budget for the whole account (AWS Budgets e-mails alert_email directly, no SNS needed).
# It counts all spend in the account, not only this stack: a cost filter on a tag would need that tag activated
# as a cost-allocation tag first.

resource "aws_budgets_budget" "monthly" {
  name         = "${var.name_prefix}monthly-cost"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_email_addresses = [var.alert_email]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_email_addresses = [var.alert_email]
  }
}

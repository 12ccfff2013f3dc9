using System.Text.Json;

namespace Pipeline.Tests.Terraform;

/// <summary>The HTTP trigger's authorisation and limits, the alarms and the budget.</summary>
[Collection(TerraformCollection.Name)]
public sealed class ApiAlarmsBudgetTests(TerraformFixture fixture)
{
    private TerraformConfiguration Terraform => fixture.Configuration;

    [Fact]
    public void Post_ingestions_requires_authorisation_and_reaches_the_trigger_function()
    {
        var route = Terraform.Resources("aws_apigatewayv2_route").Single(r => r.StringAttribute("route_key") == "POST /ingestions");
        var authorization = route.StringAttribute("authorization_type");

        Assert.Contains(authorization, new[] { "AWS_IAM", "JWT", "CUSTOM" });
        if (authorization != "AWS_IAM") Assert.NotNull(route.StringAttribute("authorizer_id"));

        Assert.Equal("integrations/${aws_apigatewayv2_integration.trigger_ingestion.id}", route.StringAttribute("target"));
        var integration = Terraform.Resource("aws_apigatewayv2_integration", "trigger_ingestion");
        Assert.Equal("${aws_lambda_function.trigger_ingestion.invoke_arn}", integration.StringAttribute("integration_uri"));
        Assert.Equal("2.0", integration.StringAttribute("payload_format_version"));
        Assert.Equal("AWS_PROXY", integration.StringAttribute("integration_type"));

        var permission = Terraform.Resource("aws_lambda_permission", "api_invokes_trigger");
        Assert.Equal("apigateway.amazonaws.com", permission.StringAttribute("principal"));
        Assert.EndsWith("/POST/ingestions", permission.StringAttribute("source_arn"));
    }

    [Fact]
    public void Every_route_requires_authorisation()
    {
        Assert.All(Terraform.Resources("aws_apigatewayv2_route"), r =>
            Assert.NotEqual("NONE", r.StringAttribute("authorization_type") ?? "NONE"));
    }

    [Fact]
    public void The_stage_throttles_and_writes_access_logs()
    {
        var stage = Terraform.Resources("aws_apigatewayv2_stage").Single();

        var accessLog = stage.Nested("access_log_settings").Single();
        Assert.Equal("${aws_cloudwatch_log_group.api_access.arn}", HclJson.Property(accessLog, "destination_arn")?.GetString());
        Assert.Contains("$context.requestId", HclJson.Property(accessLog, "format")?.GetString());

        var route = stage.Nested("default_route_settings").Single();
        Assert.True(Terraform.Literal(HclJson.Property(route, "throttling_burst_limit"))?.GetInt32() > 0);
        Assert.True(Terraform.Literal(HclJson.Property(route, "throttling_rate_limit"))?.GetDouble() > 0);
    }

    [Fact]
    public void Invoking_the_route_can_be_granted_for_that_route_only()
    {
        var document = Terraform.DataSources("aws_iam_policy_document").Single(d => d.Name == "invoke_ingestions");
        var statement = IamPolicyAudit.Statements(document).Single().Statement;

        Assert.Equal(["execute-api:Invoke"], HclJson.Strings(HclJson.Property(statement, "actions")));
        Assert.Equal(["${aws_apigatewayv2_stage.default.execution_arn}/POST/ingestions"], HclJson.Strings(HclJson.Property(statement, "resources")));
    }

    [Fact]
    public void Errors_and_throttles_of_every_function_raise_an_alarm()
    {
        foreach (var metric in new[] { "Errors", "Throttles" })
        {
            var alarm = Terraform.Resources("aws_cloudwatch_metric_alarm").Single(a => a.StringAttribute("metric_name") == metric);
            Assert.Equal("AWS/Lambda", alarm.StringAttribute("namespace"));
            Assert.Equal("${local.function_names}", alarm.StringAttribute("for_each"));
            Assert.Equal("${each.value}", alarm.Attribute("dimensions")?.GetProperty("FunctionName").GetString());
        }
    }

    [Theory]
    [InlineData("AWS/Lambda", "IteratorAge")]
    [InlineData("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds")]
    [InlineData("AWS/SQS", "ApproximateNumberOfMessagesVisible")]
    public void Falling_behind_and_parked_failures_raise_an_alarm(string ns, string metric)
    {
        var alarm = Terraform.Resources("aws_cloudwatch_metric_alarm")
            .SingleOrDefault(a => a.StringAttribute("namespace") == ns && a.StringAttribute("metric_name") == metric);

        Assert.True(alarm is not null, $"No alarm on {ns} {metric}.");
        Assert.NotNull(Terraform.Literal(alarm.Attribute("threshold")));
    }

    [Fact]
    public void Every_alarm_notifies_the_alarm_topic_which_mails_the_alert_address()
    {
        foreach (var alarm in Terraform.Resources("aws_cloudwatch_metric_alarm"))
        {
            Assert.Equal("${local.alarm_actions}", alarm.StringAttribute("alarm_actions"));
            Assert.False(string.IsNullOrEmpty(alarm.StringAttribute("alarm_description")), $"{alarm} has no description.");
        }
        Assert.Equal("${aws_sns_topic.alarms.arn}", HclJson.Strings(Terraform.Locals["alarm_actions"]).Single());

        var subscription = Terraform.Resources("aws_sns_topic_subscription").Single();
        Assert.Equal("email", subscription.StringAttribute("protocol"));
        Assert.Equal("${var.alert_email}", subscription.StringAttribute("endpoint"));
    }

    [Fact]
    public void A_monthly_cost_budget_mails_the_alert_address()
    {
        var budget = Terraform.Resources("aws_budgets_budget").Single();

        Assert.Equal("COST", budget.StringAttribute("budget_type"));
        Assert.Equal("MONTHLY", budget.StringAttribute("time_unit"));
        Assert.Equal("USD", budget.StringAttribute("limit_unit"));
        Assert.Contains("var.monthly_budget_usd", budget.StringAttribute("limit_amount"));

        var notifications = budget.Nested("notification");
        Assert.NotEmpty(notifications);
        Assert.All(notifications, n => Assert.Equal(["${var.alert_email}"], HclJson.Strings(HclJson.Property(n, "subscriber_email_addresses"))));
        Assert.Contains(notifications, n => HclJson.Property(n, "notification_type")?.GetString() == "ACTUAL");
        Assert.Contains(notifications, n => HclJson.Property(n, "notification_type")?.GetString() == "FORECASTED");
        Assert.All(notifications, n => Assert.Equal(JsonValueKind.Number, HclJson.Property(n, "threshold")?.ValueKind));
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Terraform;

/// <summary>The three functions, their handlers, configuration, log groups and the Kinesis event source mapping.</summary>
[Collection(TerraformCollection.Name)]
public sealed partial class LambdaFunctionTests(TerraformFixture fixture)
{
    /// <summary>The handler of each function, as fixed for Pipeline.Lambdas (Stream-in/Stream-out, managed dotnet10).</summary>
    public static readonly IReadOnlyDictionary<string, string> ExpectedHandlers = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["trigger_ingestion"] = "Pipeline.Lambdas::Pipeline.Lambdas.TriggerIngestionFunction::HandleAsync",
        ["fetch_product_data"] = "Pipeline.Lambdas::Pipeline.Lambdas.FetchProductDataFunction::HandleAsync",
        ["transform_products"] = "Pipeline.Lambdas::Pipeline.Lambdas.TransformProductsFunction::HandleAsync",
    };

    /// <summary>The Web app's configuration keys every function receives (":" written as "__").</summary>
    public static readonly string[] RequiredEnvironmentKeys =
    [
        "Pipeline__Stream__Provider", "Pipeline__RawZone__Provider", "Pipeline__Store__Provider", "Pipeline__Warehouse__Provider",
        "Pipeline__Aws__Region", "Pipeline__Aws__Kinesis__StreamName", "Pipeline__Aws__S3__BucketName",
        "Pipeline__Aws__DynamoDb__TablePrefix", "Pipeline__Sources__DummyJson__BaseUrl",
        "Pipeline__Warehouse__BigQuery__ProjectId", "Pipeline__Warehouse__BigQuery__DatasetId", "Pipeline__Warehouse__BigQuery__Location",
    ];

    private TerraformConfiguration Terraform => fixture.Configuration;

    [Fact]
    public void The_three_functions_exist_with_the_agreed_handlers()
    {
        var handlers = Terraform.Resources("aws_lambda_function").ToDictionary(f => f.Name, f => f.StringAttribute("handler"));

        Assert.Equal(ExpectedHandlers.OrderBy(h => h.Key), handlers.OrderBy(h => h.Key)!);
    }

    [Fact]
    public void Every_handler_has_the_form_assembly_type_method()
    {
        foreach (var function in Terraform.Resources("aws_lambda_function"))
        {
            var handler = function.StringAttribute("handler") ?? "";
            var match = HandlerForm().Match(handler);
            Assert.True(match.Success, $"{function}: handler \"{handler}\" is not Assembly::Namespace.Type::Method.");
            Assert.StartsWith(match.Groups["assembly"].Value + ".", match.Groups["type"].Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_function_runs_on_managed_dotnet10_on_arm64_from_its_own_package()
    {
        foreach (var function in Terraform.Resources("aws_lambda_function"))
        {
            Assert.Equal("dotnet10", function.StringAttribute("runtime"));
            Assert.Equal(["arm64"], HclJson.Strings(function.Attribute("architectures")));
            Assert.Equal($"${{local.artifacts_dir}}/{function.Name}.zip", function.StringAttribute("filename"));
            Assert.Contains($"{function.Name}.zip", function.StringAttribute("source_code_hash"));
            Assert.Equal($"${{local.function_names.{function.Name}}}", function.StringAttribute("function_name"));
        }

        var names = Terraform.Locals["function_names"];
        Assert.Equal(
            ExpectedHandlers.Keys.Order(StringComparer.Ordinal),
            names.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(names.EnumerateObject(), p => Assert.Equal($"${{var.name_prefix}}{p.Name}", p.Value.GetString()));
    }

    [Fact]
    public void Every_function_has_a_memory_size_and_a_timeout_within_lambda_limits()
    {
        foreach (var function in Terraform.Resources("aws_lambda_function"))
        {
            var memory = Terraform.Literal(function.Attribute("memory_size"));
            var timeout = Terraform.Literal(function.Attribute("timeout"));
            Assert.True(memory is { ValueKind: JsonValueKind.Number }, $"{function}: memory_size does not resolve to a number.");
            Assert.True(timeout is { ValueKind: JsonValueKind.Number }, $"{function}: timeout does not resolve to a number.");
            Assert.InRange(memory.Value.GetInt32(), 128, 10240);
            Assert.InRange(timeout.Value.GetInt32(), 1, 900);
        }

        // API Gateway gives up after 30 s.
        var trigger = Terraform.Resource("aws_lambda_function", "trigger_ingestion");
        Assert.InRange(Terraform.Literal(trigger.Attribute("timeout"))!.Value.GetInt32(), 1, 30);
    }

    [Fact]
    public void Every_function_is_configured_with_the_web_app_keys_and_no_secret()
    {
        var environment = Terraform.Locals["lambda_environment"];
        var keys = environment.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        Assert.All(RequiredEnvironmentKeys, key => Assert.Contains(key, keys));
        Assert.Equal("Kinesis", environment.GetProperty("Pipeline__Stream__Provider").GetString());
        Assert.Equal("S3", environment.GetProperty("Pipeline__RawZone__Provider").GetString());
        Assert.Equal("DynamoDb", environment.GetProperty("Pipeline__Store__Provider").GetString());
        Assert.Equal("BigQuery", environment.GetProperty("Pipeline__Warehouse__Provider").GetString());
        Assert.DoesNotContain(keys, k => k.StartsWith("Pipeline__Security__ApiKeys__", StringComparison.Ordinal));

        // The trigger gets the shared environment and the name of its keys' SSM parameter, never a key (secrets.tf).
        Assert.Equal("${merge(local.lambda_environment, local.trigger_api_key_environment, var.otel_environment)}", Terraform.Locals["trigger_environment"].GetString());
        // The others get the shared environment and the OpenTelemetry variables (OTEL_* only, checked by the variable).
        Assert.Equal("${merge(local.lambda_environment, var.otel_environment)}", Terraform.Locals["function_environment"].GetString());
        Assert.Equal(["Pipeline__Security__ApiKeysParameter"], Terraform.Locals["trigger_api_key_environment"].EnumerateObject().Select(p => p.Name));

        foreach (var function in Terraform.Resources("aws_lambda_function"))
        {
            var variables = HclJson.Property(function.Nested("environment").Single(), "variables")?.GetString();
            var expected = function.Name == "trigger_ingestion" ? "${local.trigger_environment}" : "${local.function_environment}";
            Assert.Equal(expected, variables);
        }
    }

    [Fact]
    public void Every_log_group_has_a_retention_and_every_function_has_its_log_group()
    {
        var groups = Terraform.Resources("aws_cloudwatch_log_group");
        Assert.NotEmpty(groups);
        foreach (var group in groups)
        {
            var retention = Terraform.Literal(group.Attribute("retention_in_days"));
            Assert.True(retention is { ValueKind: JsonValueKind.Number }, $"{group}: retention_in_days is not set to a number.");
            Assert.True(retention.Value.GetInt32() > 0, $"{group}: retention_in_days must be positive.");
        }

        var lambdaGroups = Terraform.Resource("aws_cloudwatch_log_group", "lambda");
        Assert.Equal("${local.function_names}", lambdaGroups.StringAttribute("for_each"));
        Assert.Equal("/aws/lambda/${each.value}", lambdaGroups.StringAttribute("name"));
        Assert.All(Terraform.Resources("aws_lambda_function"), f =>
            Assert.Contains("${aws_cloudwatch_log_group.lambda}", HclJson.Strings(f.Attribute("depends_on"))));
    }

    [Fact]
    public void The_stream_mapping_retries_only_failed_records_a_bounded_number_of_times_then_parks_them()
    {
        var mapping = Terraform.Resources("aws_lambda_event_source_mapping").Single();

        Assert.Equal("${aws_kinesis_stream.fetch_tasks.arn}", mapping.StringAttribute("event_source_arn"));
        Assert.Equal("${aws_lambda_function.fetch_product_data.arn}", mapping.StringAttribute("function_name"));
        Assert.Equal("TRIM_HORIZON", mapping.StringAttribute("starting_position"));
        Assert.True(mapping.Attribute("bisect_batch_on_function_error")?.GetBoolean(), "bisect_batch_on_function_error must be true.");
        Assert.Equal(["ReportBatchItemFailures"], HclJson.Strings(mapping.Attribute("function_response_types")));

        var batchSize = Terraform.Literal(mapping.Attribute("batch_size"));
        Assert.InRange(batchSize!.Value.GetInt32(), 1, 10000);

        // Finite retries and record age (-1 would retry a poisoned batch until the record expires).
        AssertBoundedByValidatedVariable(mapping, "maximum_retry_attempts", 0, 10000);
        AssertBoundedByValidatedVariable(mapping, "maximum_record_age_in_seconds", 60, 604800);

        var onFailure = mapping.Nested("destination_config").SelectMany(d => HclJson.Blocks(d, "on_failure")).Single();
        Assert.Equal("${aws_sqs_queue.fetch_failures.arn}", HclJson.Property(onFailure, "destination_arn")?.GetString());
        Assert.Contains("${aws_iam_role_policy.fetch_product_data}", HclJson.Strings(mapping.Attribute("depends_on")));
    }

    [Fact]
    public void Failed_S3_triggered_transforms_are_parked_in_a_queue()
    {
        var config = Terraform.Resource("aws_lambda_function_event_invoke_config", "transform_products");

        Assert.Equal("${aws_lambda_function.transform_products.function_name}", config.StringAttribute("function_name"));
        Assert.InRange(Terraform.Literal(config.Attribute("maximum_retry_attempts"))!.Value.GetInt32(), 0, 2);
        var onFailure = config.Nested("destination_config").SelectMany(d => HclJson.Blocks(d, "on_failure")).Single();
        Assert.Equal("${aws_sqs_queue.transform_failures.arn}", HclJson.Property(onFailure, "destination")?.GetString());
    }

    [Fact]
    public void The_failure_queues_are_encrypted_and_keep_messages_for_two_weeks()
    {
        foreach (var queue in Terraform.Resources("aws_sqs_queue"))
        {
            Assert.Equal("${aws_kms_key.data.arn}", queue.StringAttribute("kms_master_key_id"));
            Assert.Equal(1209600, queue.Attribute("message_retention_seconds")?.GetInt32());
        }
    }

    private void AssertBoundedByValidatedVariable(TerraformBlock block, string attribute, int min, int max)
    {
        var expression = block.StringAttribute(attribute)
            ?? throw new Xunit.Sdk.XunitException($"{block}: {attribute} is not set.");
        var reference = HclJson.AsVariableReference(expression)
            ?? throw new Xunit.Sdk.XunitException($"{block}: {attribute} should come from a validated variable, found {expression}.");
        var variable = Terraform.Variables.Single(v => v.Name == reference.Name);

        Assert.True(TerraformVariableAudit.HasValidation(variable), $"{variable} must have a validation block.");
        var value = Terraform.Literal(block.Attribute(attribute));
        Assert.True(value is { ValueKind: JsonValueKind.Number }, $"{variable} has no numeric default.");
        Assert.InRange(value.Value.GetInt32(), min, max);
        Assert.DoesNotContain("-1", variable.Nested("validation").Select(v => HclJson.Property(v, "condition")?.GetString() ?? ""));
    }

    [GeneratedRegex(@"^(?<assembly>[A-Za-z_][A-Za-z0-9_.]*)::(?<type>[A-Za-z_][A-Za-z0-9_.+]*)::(?<method>[A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex HandlerForm();
}

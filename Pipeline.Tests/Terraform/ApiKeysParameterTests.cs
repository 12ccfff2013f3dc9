using Pipeline.Lambdas.Hosting;

namespace Pipeline.Tests.Terraform;

/// <summary>
/// The trigger's API keys in SSM (terraform/secrets.tf): a SecureString under the data key whose value Terraform never
/// manages (a placeholder that holds no usable key, ignore_changes), named in the trigger's environment only, readable
/// by the trigger's role only (ssm:GetParameter on that ARN, kms:Decrypt for that parameter only).
/// </summary>
[Collection(TerraformCollection.Name)]
public sealed class ApiKeysParameterTests(TerraformFixture fixture)
{
    private const string ParameterArn = "${aws_ssm_parameter.trigger_api_keys.arn}";

    private TerraformConfiguration Terraform => fixture.Configuration;

    private IEnumerable<(string Document, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources, System.Text.Json.JsonElement Statement)> Statements() =>
        Terraform.DataSources("aws_iam_policy_document").SelectMany(d => IamPolicyAudit.Statements(d).Select(s =>
            (d.Name, HclJson.Strings(HclJson.Property(s.Statement, "actions")), HclJson.Strings(HclJson.Property(s.Statement, "resources")), s.Statement)));

    [Fact]
    public void The_parameter_is_a_secure_string_under_the_data_key_whose_value_terraform_does_not_manage()
    {
        var parameter = Terraform.Resource("aws_ssm_parameter", "trigger_api_keys");

        Assert.Equal("SecureString", parameter.StringAttribute("type"));
        Assert.Equal("${aws_kms_key.data.arn}", parameter.StringAttribute("key_id"));
        var lifecycle = Assert.Single(parameter.Nested("lifecycle"));
        Assert.Contains("${value}", HclJson.Strings(HclJson.Property(lifecycle, "ignore_changes")));
        // The placeholder is no key: until the real value is set the trigger refuses every request.
        Assert.Equal(0, ApiKeyParameter.Parse(parameter.StringAttribute("value")).Count);
    }

    [Fact]
    public void Only_the_trigger_is_told_the_parameter()
    {
        Assert.Equal("${aws_ssm_parameter.trigger_api_keys.name}",
            Terraform.Locals["trigger_api_key_environment"].GetProperty("Pipeline__Security__ApiKeysParameter").GetString());
        Assert.False(Terraform.Locals["lambda_environment"].TryGetProperty("Pipeline__Security__ApiKeysParameter", out _));
    }

    [Fact]
    public void Only_the_trigger_role_may_read_the_parameter_and_only_that_parameter()
    {
        var ssm = Statements().Where(s => s.Actions.Any(a => a.StartsWith("ssm:", StringComparison.Ordinal))
                                          || s.Resources.Contains(ParameterArn)).ToList();

        var read = Assert.Single(ssm);
        Assert.Equal("trigger_ingestion", read.Document);
        Assert.Equal(["ssm:GetParameter"], read.Actions);
        Assert.Equal([ParameterArn], read.Resources);
    }

    [Fact]
    public void Only_the_trigger_may_decrypt_with_the_data_key_for_the_parameter_and_only_for_it()
    {
        var decrypt = Statements().Where(s => s.Actions.Contains("kms:Decrypt")).ToList();
        var forParameter = Assert.Single(decrypt, s => s.Document == "trigger_ingestion");

        Assert.Equal(["kms:Decrypt"], forParameter.Actions);
        Assert.Equal(["${aws_kms_key.data.arn}"], forParameter.Resources);
        var condition = Assert.Single(HclJson.Blocks(forParameter.Statement, "condition"));
        Assert.Equal("StringEquals", HclJson.Property(condition, "test")?.GetString());
        Assert.Equal("kms:EncryptionContext:PARAMETER_ARN", HclJson.Property(condition, "variable")?.GetString());
        Assert.Equal([ParameterArn], HclJson.Strings(HclJson.Property(condition, "values")));
    }
}

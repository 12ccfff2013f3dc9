using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Terraform;

/// <summary>The folder's layout, variables, outputs and the example variables file.</summary>
[Collection(TerraformCollection.Name)]
public sealed partial class TerraformLayoutTests(TerraformFixture fixture)
{
    private TerraformConfiguration Terraform => fixture.Configuration;

    [Fact]
    public void Every_concern_has_its_own_file_and_every_file_parses()
    {
        string[] expected =
        [
            "versions.tf", "providers.tf", "variables.tf", "outputs.tf", "kms.tf", "kinesis.tf", "s3.tf", "dynamodb.tf",
            "queues.tf", "lambda.tf", "apigateway.tf", "dashboard.tf", "alarms.tf", "budgets.tf", "bigquery.tf", "secrets.tf",
        ];
        var onDisk = Directory.GetFiles(Terraform.Folder, "*.tf").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(onDisk, Terraform.Files.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.All(expected, name => Assert.Contains(name, Terraform.Files.Keys));
    }

    [Fact]
    public void Versions_pin_terraform_and_both_providers()
    {
        var settings = HclJson.Block(Terraform.Files["versions.tf"], "terraform")
            ?? throw new Xunit.Sdk.XunitException("versions.tf has no terraform block.");
        Assert.StartsWith(">=", HclJson.Property(settings, "required_version")?.GetString());

        var providers = HclJson.Block(settings, "required_providers")
            ?? throw new Xunit.Sdk.XunitException("versions.tf has no required_providers.");
        Assert.Equal("hashicorp/aws", providers.GetProperty("aws").GetProperty("source").GetString());
        // dotnet10 is accepted by the aws provider's runtime validation from 6.27.0 on.
        Assert.Contains(">= 6.27.0", providers.GetProperty("aws").GetProperty("version").GetString());
        Assert.Equal("hashicorp/google", providers.GetProperty("google").GetProperty("source").GetString());
        Assert.False(string.IsNullOrEmpty(providers.GetProperty("google").GetProperty("version").GetString()));
    }

    [Fact]
    public void Every_used_variable_is_declared_with_a_description_and_every_declared_one_is_used()
    {
        var findings = TerraformVariableAudit.Findings(Terraform);

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
        Assert.True(Terraform.Variables.Count >= 10, "Expected the configuration to declare its variables.");
    }

    [Fact]
    public void Every_variable_with_a_range_or_format_is_validated()
    {
        // Free-form values (tags, booleans, the artifacts folder) need no validation; everything else gets one.
        string[] unvalidated = [
            "tags", "dynamodb_deletion_protection", "bigquery_deletion_protection", "raw_bucket_force_destroy", "lambda_artifacts_dir",
        ];
        var missing = Terraform.Variables
            .Where(v => !unvalidated.Contains(v.Name) && !TerraformVariableAudit.HasValidation(v))
            .Select(v => v.Address)
            .ToList();

        Assert.True(missing.Count == 0, "Variables without a validation block: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_output_has_a_description()
    {
        Assert.NotEmpty(Terraform.Outputs);
        Assert.All(Terraform.Outputs, o => Assert.False(string.IsNullOrWhiteSpace(o.StringAttribute("description")), $"{o} has no description."));
    }

    [Fact]
    public void The_dashboard_environment_output_uses_the_web_app_configuration_keys()
    {
        var output = Terraform.Outputs.Single(o => o.Name == "dashboard_environment");
        var keys = output.Attribute("value")!.Value.EnumerateObject().Select(p => p.Name).ToHashSet();

        Assert.All(LambdaFunctionTests.RequiredEnvironmentKeys, key => Assert.Contains(key, keys));
    }

    [Fact]
    public void The_example_variables_file_sets_only_declared_variables_and_every_required_one()
    {
        var path = Path.Combine(Terraform.Folder, "terraform.tfvars.example");
        var lines = File.ReadAllLines(path);
        var declared = Terraform.Variables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var set = lines.Select(l => Assignment().Match(l)).Where(m => m.Success).ToList();

        var unknown = set.Select(m => m.Groups["name"].Value).Where(n => !declared.Contains(n)).ToList();
        Assert.True(unknown.Count == 0, "terraform.tfvars.example sets undeclared variables: " + string.Join(", ", unknown));

        var setUncommented = set.Where(m => m.Groups["comment"].Length == 0).Select(m => m.Groups["name"].Value).ToHashSet();
        var required = Terraform.Variables.Where(v => v.Attribute("default") is null).Select(v => v.Name).ToList();
        Assert.NotEmpty(required);
        Assert.All(required, name => Assert.Contains(name, setUncommented));
    }

    [Fact]
    public void No_variable_default_looks_like_a_secret()
    {
        foreach (var variable in Terraform.Variables)
        {
            Assert.DoesNotMatch(SecretName(), variable.Name);
            if (variable.Attribute("default") is { ValueKind: JsonValueKind.String } text)
                Assert.DoesNotMatch(SecretValue(), text.GetString()!);
        }
    }

    [GeneratedRegex(@"^\s*(?<comment>#\s*)?(?<name>[a-z][a-z0-9_]*)\s*=")]
    private static partial Regex Assignment();

    [GeneratedRegex("(password|secret_value|private_key|access_key|api_key$)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("(AKIA[0-9A-Z]{16}|-----BEGIN)")]
    private static partial Regex SecretValue();
}
